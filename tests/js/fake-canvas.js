// Just enough of the worker's image APIs (createImageBitmap, OffscreenCanvas, ImageData) for
// js/worker/jobs.js and decode.js to run under Node. A blob whose text is "corrupt" fails to
// decode; any other decodes as a 4 × 3 image. Each canvas lists the drawing calls made on it
// (`ops`: [name, ...numbers]), so a test can see where a patch went.

export function installFakeCanvas() {
  globalThis.ImageData = class ImageData {
    constructor(data, width, height) {
      Object.assign(this, { data, width, height });
    }
  };
  globalThis.createImageBitmap = async (blob) => {
    if ((await blob.text()) === 'corrupt') throw new DOMException('The source image could not be decoded.', 'InvalidStateError');
    return { width: 4, height: 3, close() {} };
  };
  globalThis.OffscreenCanvas = class OffscreenCanvas {
    /** Every canvas made, so that a test can see which ones still hold pixels. */
    static made = [];

    constructor(width, height) {
      Object.assign(this, { width, height, ops: [] });
      OffscreenCanvas.made.push(this);
    }

    getContext() {
      const canvas = this;
      const record = (name) => (...args) => canvas.ops.push([name, ...args.filter((a) => typeof a === 'number')]);
      return {
        drawImage: record('drawImage'),
        putImageData: record('putImageData'),
        clearRect: record('clearRect'),
        getImageData: (x, y, width, height) => new ImageData(new Uint8ClampedArray(width * height * 4), width, height),
        get canvas() {
          return canvas;
        },
      };
    }

    async convertToBlob({ type = 'image/png' } = {}) {
      return new Blob([`${type} ${this.width}x${this.height}`], { type });
    }
  };
}
