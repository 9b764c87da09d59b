// What a settings change applies to: "This image" (the one in the editor) or "All images" (every
// finished one), with the count. Each image keeps the settings it was made with (ImageJob.look),
// so images outside the scope keep theirs, strokes included; and the ZIP can tell when the images
// in it were made with different settings (looks).
//
// The default is "All images": a batch is nearly always made for one purpose (a shop's white
// backgrounds, a set of transparent cut-outs), and the complaint that made this control was a
// ZIP that silently mixed white and transparent. Strokes are not settings: "All images" keeps
// every image's hand edits and renders them again with the new settings.

/** What a change applies to until the user says otherwise (see above). */
export const DEFAULT_SCOPE = 'all';

/**
 * @param {{form: HTMLFormElement, count: HTMLElement}} elements  the form holds the `scope` radios
 * @param {import('./batch.js').Batch} jobs
 * @param {{selected: () => any, current: () => {settings: object, background?: Blob},
 *          isModelReady: (model: string) => boolean}} hooks  the image in the editor; the form's
 *   values; whether a model runs without a download
 */
export function createScope({ form, count }, jobs, { selected, current, isModelReady }) {
  if (!form.elements.scope.value) form.elements.scope.value = DEFAULT_SCOPE; // (a value the browser restored stays)
  const finished = () => jobs.items.filter((job) => job.state === 'done');
  const scope = () => form.elements.scope.value || DEFAULT_SCOPE;
  /** The finished images a change applies to now. */
  const targets = () => (scope() === 'all' ? finished() : [selected()].filter((job) => job?.state === 'done'));

  /** The form's values for these images; a model not on this device yet is left for later. */
  function look() {
    const { settings, background } = current();
    if (!isModelReady(settings.model)) delete settings.model; // applied once downloaded: modelReady
    return { settings, background };
  }

  return {
    scope,
    targets,
    /** The settings changed and rested: every image in scope takes them (latest wins). */
    apply() {
      for (const job of targets()) job.useSettings(look());
    },
    /** A control is moving: the images in scope say at once that a new look is coming. */
    expect(expected = true) {
      for (const job of targets()) job.expectRerender(expected);
    },
    /** A model became usable: the images in scope that the form asks it for run with it. */
    modelReady(model) {
      if (current().settings.model !== model) return;
      for (const job of targets()) if (job.model !== model) job.useSettings(look());
    },
    /** Show how many images "All images" means. */
    showCount() {
      const n = finished().length;
      count.textContent = n ? `(${n})` : '';
    },
    /** @returns {number} how many different sets of settings these images were made with */
    looks: (items) => new Set(items.map((job) => job.lookKey)).size,
  };
}
