// Unit search: names are data, so results are built with textContent, never innerHTML.
(function () {
  var input = document.getElementById('search');
  var list = document.getElementById('search-results');
  var script = document.currentScript;
  if (!input || !list) { return; }
  var lang = script.dataset.lang;
  var timer = null;
  function go(code) {
    window.location.href = '/unit/' + encodeURIComponent(code) + (lang === 'en' ? '?lang=en' : '');
  }
  function show(results) {
    list.replaceChildren();
    if (!results.length) {
      var li = document.createElement('li');
      li.className = 'empty';
      li.textContent = script.dataset.empty;
      list.appendChild(li);
    }
    results.forEach(function (r) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = '/unit/' + encodeURIComponent(r.code) + (lang === 'en' ? '?lang=en' : '');
      a.textContent = r.full_name + ' (' + r.code + ')';
      a.dataset.code = r.code;
      li.appendChild(a);
      if (r.former_name) {
        var small = document.createElement('small');
        small.textContent = ' ← ' + script.dataset.former + ': ' + r.former_name;
        li.appendChild(small);
      }
      list.appendChild(li);
    });
    list.hidden = false;
  }
  function run() {
    var q = input.value.trim();
    if (!q) { list.hidden = true; return; }
    fetch('/api/search?q=' + encodeURIComponent(q)).then(function (r) { return r.json(); })
      .then(function (body) { show(body.results); });
  }
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 200); });
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      var first = list.querySelector('a[data-code]');
      if (first && !list.hidden) { go(first.dataset.code); } else { run(); }
    }
  });
})();
