"""The desktop side of Peel (CPython only, never shipped to browsers).

``cli`` is the ``peel`` command, ``api`` the file-level Python API (``peel.remove``,
``peel.Remover``), ``native`` runs the model with the native onnxruntime, ``assets`` fetches the
pinned model (also used by build.py, so it needs only the standard library) and ``pipeline`` is the
plain rembg-style cut-out the parity tests use as their reference. All of them build on the core
modules in ``peel``; none of the core imports this package.
"""
