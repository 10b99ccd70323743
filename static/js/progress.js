// Keeps a page that shows work in progress (an import being applied) current without reloading
// it: every few seconds it fetches the page again and puts the new content of <main> in place, so
// the reader keeps their place and no timed refresh takes the page away. Once the work is done,
// the page fetched no longer asks for updates, and they stop. Without scripts, the page's
// <noscript> refresh does the same.
(function () {
  var every = document.querySelector('meta[name="progress-every"]');
  if (!every) return;
  var wait = (Number(every.content) || 2) * 1000;
  function update() {
    fetch(location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("main"), here = document.querySelector("main");
        if (fresh && here) here.replaceChildren.apply(here, Array.from(fresh.childNodes));
        if (page.querySelector('meta[name="progress-every"]')) setTimeout(update, wait);
      })
      .catch(function () { setTimeout(update, wait); });
  }
  setTimeout(update, wait);
})();
