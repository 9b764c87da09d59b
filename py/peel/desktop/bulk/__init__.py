"""``peel bulk``: Peel's pipeline on Ray Data, for folders and buckets of many photos (CPython only).

``stage`` is the Ray Data stage (a callable class for ``Dataset.map_batches`` on an actor pool:
file bytes in, encoded cut-outs out), ``storage`` lists and writes files on a local folder or an
object store (pyarrow / fsspec file systems), ``cluster`` starts or joins Ray and builds the
dataset, and ``command`` is the ``peel bulk`` command line. Ray, pyarrow and fsspec come with the
``peel[ray]`` extra; only this package imports them, and only inside functions, so ``peel`` works
without them. See docs/bulk.md.
"""
