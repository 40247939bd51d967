// While an import runs, ask for its progress every two seconds and reload when it ends.
const box = document.querySelector('[data-satupeta-poll]');
const number = new Intl.NumberFormat(document.documentElement.lang || undefined);
if (box) {
  const tick = async () => {
    const state = await (await fetch(box.dataset.satupetaPoll)).json();
    const run = state.import;
    if (!run || run.status === 'done' || run.status === 'failed') { window.location.reload(); return; }
    const p = box.querySelector('p');
    if (p && run.status === 'running') {
      // the two counts, written as the page writes numbers (1.200 in Indonesian, 1,200 in English)
      const counts = [run.features_read, run.features_written];
      let i = 0;
      p.textContent = p.textContent.replace(/\d(?:[\d.,\u00a0\u202f]*\d)?/g, (m) => (i < 2 ? number.format(counts[i++]) : m));
    }
    const bar = box.querySelector('progress');
    if (bar) bar.value = run.features_read;
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}
