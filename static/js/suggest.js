// Search-as-you-type: fills the list under the search box from /search/suggest, as an ARIA
// combobox (arrow keys move through the suggestions, Enter opens one, Escape closes the list).
// The search form works without it; this only saves keystrokes.
(function () {
  var input = document.querySelector("input[data-suggest]");
  if (!input) return;
  var list = document.getElementById(input.getAttribute("aria-controls"));
  var timer = null, last = "", active = -1;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  function options() { return list.querySelectorAll("[role=option]"); }
  function choose(index) {
    var all = options();
    active = index;
    all.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (index >= 0) input.setAttribute("aria-activedescendant", all[index].id);
    else input.removeAttribute("aria-activedescendant");
  }
  function clear() {
    list.innerHTML = ""; list.hidden = true; active = -1;
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  }
  function show(items) {
    clear();
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "suggestion-" + i; li.textContent = item.name; li.dataset.url = item.url;
      li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.addEventListener("click", function () { location.href = item.url; });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }
  input.addEventListener("input", function () {
    var q = input.value.trim();
    clearTimeout(timer);
    if (q.length < 2) { clear(); last = ""; return; }
    timer = setTimeout(function () {
      if (q === last) return;
      last = q;
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) show(data.suggestions || []); })
        .catch(clear);
    }, 120);
  });
  input.addEventListener("keydown", function (e) {
    var count = options().length;
    if (e.key === "Escape") clear();
    else if (count && e.key === "ArrowDown") { e.preventDefault(); choose((active + 1) % count); }
    else if (count && e.key === "ArrowUp") { e.preventDefault(); choose((active - 1 + count) % count); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); location.href = options()[active].dataset.url; }
  });
  document.addEventListener("click", function (e) { if (!list.contains(e.target) && e.target !== input) clear(); });
})();
