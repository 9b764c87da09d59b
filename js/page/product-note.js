// Product mode's one-line notice: the subject was enlarged beyond its own pixels (it will look
// soft). Sure, never a guess: the subject is at most the whole photo, so when even the canvas's
// inner box (its short side less the margins) is longer than the photo's long side, the subject
// was scaled up.

/**
 * @param {{width: number, height: number}} photo  the original's size (EXIF-oriented)
 * @param {{width: number, height: number}} canvas  the product output's size
 * @param {number} margin  product_margin: a fraction of the canvas's short side, on each side
 * @returns {string}  the notice, or '' when the subject may not have been enlarged
 */
export function enlargedNotice(photo, canvas, margin) {
  const inner = Math.min(canvas.width, canvas.height) * (1 - 2 * margin);
  const long = Math.max(photo.width, photo.height);
  if (inner <= long) return '';
  return `Enlarged beyond its pixels: this photo is ${photo.width} × ${photo.height} px, the subject is drawn at least `
    + `${(inner / long).toFixed(1)}× larger and may look soft. A smaller Size keeps it sharp.`;
}

/**
 * The notice for a finished product image, from its own file's size.
 * @param {import('./image-job.js').ImageJob} job
 * @returns {Promise<string>}
 */
export async function productNotice(job) {
  if (!job.productLayout || !job.result) return '';
  const bitmap = await createImageBitmap(job.file).catch(() => null);
  if (!bitmap) return '';
  const photo = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return enlargedNotice(photo, job.result, job.look?.settings?.product_margin ?? 0.1);
}
