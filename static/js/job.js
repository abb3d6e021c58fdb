// Atlas job page: ask for the job's state every second until it is done or failed.
(function () {
  var box = document.getElementById('job');
  if (!box) { return; }
  var status = box.querySelector('.status'), bar = box.querySelector('progress'), result = box.querySelector('.result');
  function show(s) {
    if (s.total) { bar.max = s.total; bar.value = s.done || 0; }
    if (s.status === 'done') {
      status.textContent = box.dataset.done + ': ' + s.done + ' ' + box.dataset.pages;
      result.hidden = false;
      return true;
    }
    if (s.status === 'failed') {
      status.textContent = box.dataset.failed + ': ' + (document.documentElement.lang === 'en' ? s.message_en : s.message_vi);
      return true;
    }
    status.textContent = (s.done || 0) + (s.total ? '/' + s.total : '') + ' ' + box.dataset.pages;
    return false;
  }
  function poll() {
    fetch(box.dataset.state, {cache: 'no-store'}).then(function (r) { return r.json(); })
      .then(function (s) { if (!show(s)) { setTimeout(poll, 1000); } })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
