// Copy an output to the clipboard: one implementation for the cards and the editor.

/**
 * Copy an image to the clipboard as PNG (the one image type clipboards take everywhere).
 * @param {Blob} blob  the output file (the kept, disk-backed File once stored: read only now)
 * @returns {Promise<string>}  what to tell the user: it was copied, or why not and what to do
 */
export async function copyImage(blob) {
  if (!navigator.clipboard?.write || typeof ClipboardItem === 'undefined') {
    return 'This browser cannot copy images to the clipboard: use Download instead.';
  }
  try {
    // A promise in the item, not a PNG awaited first: Safari wants write() within the click.
    const png = blob.type === 'image/png' ? blob : toPng(blob);
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': png })]);
    return 'Copied to the clipboard ✓';
  } catch (error) {
    return `The browser refused to copy the image (${error.message}). Use Download instead.`;
  }
}

/** Any image Blob as PNG, through a canvas. */
async function toPng(blob) {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  bitmap.close();
  return canvas.convertToBlob({ type: 'image/png' });
}
