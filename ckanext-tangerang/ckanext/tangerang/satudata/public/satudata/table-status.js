// While a table loads, ask for its progress every two seconds and reload the page when it ends.
const box = document.querySelector('[data-tg-table-poll]');
if (box) {
  const tick = async () => {
    const run = (await (await fetch(box.dataset.tgTablePoll)).json()).result;
    if (!run || run.status === 'done' || run.status === 'failed') { window.location.reload(); return; }
    const bar = box.querySelector('progress');
    if (bar) bar.value = run.bytes_read;
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}
