// The new-course form: as the title is typed, the empty web address name field shows (as its
// placeholder) the name the server will make from the title. The server decides on saving.
(function () {
  "use strict";

  const slug = document.querySelector("input[data-suggest-from]");
  if (!slug) {
    return;
  }
  const title = document.getElementById(slug.dataset.suggestFrom);
  const url = slug.dataset.suggestUrl;
  let timer = null;
  let seq = 0;

  function suggest() {
    const mine = ++seq;
    const text = title.value.trim();
    if (!text) {
      slug.placeholder = "";
      return;
    }
    fetch(url + "?" + new URLSearchParams({ title: text }), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (mine === seq) {
        slug.placeholder = data.slug || "";
      }
    }).catch(function () { /* the server makes the name on saving anyway */ });
  }

  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 300);
  });
  suggest();
}());
