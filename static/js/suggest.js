// Search-as-you-type: fills the list under the search box from /search/suggest.
// The search form works without it; this only saves keystrokes.
(function () {
  var input = document.querySelector("input[data-suggest]");
  if (!input) return;
  var list = document.getElementById(input.getAttribute("aria-controls"));
  var timer = null, last = "";
  function clear() { list.innerHTML = ""; list.hidden = true; }
  function show(items) {
    list.innerHTML = "";
    items.forEach(function (item) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = item.url; a.textContent = item.name; li.setAttribute("role", "option");
      li.appendChild(a); list.appendChild(li);
    });
    list.hidden = items.length === 0;
  }
  input.addEventListener("input", function () {
    var q = input.value.trim();
    clearTimeout(timer);
    if (q.length < 2) { clear(); return; }
    timer = setTimeout(function () {
      if (q === last) return;
      last = q;
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) show(data.suggestions || []); })
        .catch(clear);
    }, 120);
  });
  input.addEventListener("keydown", function (e) { if (e.key === "Escape") clear(); });
  document.addEventListener("click", function (e) { if (!list.contains(e.target) && e.target !== input) clear(); });
})();
