// While an import runs, ask for its progress every two seconds and reload when it ends.
const box = document.querySelector('[data-satupeta-poll]');
if (box) {
  const tick = async () => {
    const state = await (await fetch(box.dataset.satupetaPoll)).json();
    const run = state.import;
    if (!run || run.status === 'done' || run.status === 'failed') { window.location.reload(); return; }
    const p = box.querySelector('p');
    if (p && run.status === 'running') p.textContent = p.textContent.replace(/\d+/, run.features_read).replace(/(\D+\d+\D+)\d+/, `$1${run.features_written}`);
    const bar = box.querySelector('progress');
    if (bar) bar.value = run.features_read;
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}
