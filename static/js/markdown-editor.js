// The Markdown editor of the authoring forms: EasyMDE with a toolbar of words (no icon font),
// a preview rendered by the server (the same sanitised HTML learners see), and the course's
// files inserted at the cursor or uploaded from the form. Without this script the textareas
// and the upload form work as plain HTML.
(function () {
  "use strict";

  const labelsElement = document.getElementById("md-editor-labels");
  if (!labelsElement || typeof window.EasyMDE !== "function") {
    return;
  }
  const L = labelsElement.dataset;
  const csrf = labelsElement.dataset.csrf;
  const editors = [];

  function button(name, action, text, title) {
    return { name: name, action: action, text: text, title: title };
  }

  function showPreview(preview, data) {
    preview.replaceChildren();
    if (data.problems && data.problems.length) {
      const box = document.createElement("div");
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      const list = document.createElement("ul");
      list.className = "plain";
      data.problems.forEach(function (p) {
        const item = document.createElement("li");
        item.textContent = p;
        list.appendChild(item);
      });
      box.appendChild(list);
      preview.appendChild(box);
    }
    const body = document.createElement("div");
    body.className = "prose";
    body.innerHTML = data.html || "";  // sanitised by the server's one Markdown pipeline
    preview.appendChild(body);
  }

  function previewer(url) {
    let timer = null;
    let lastText = null;
    let lastData = null;
    let seq = 0;
    return function (text, preview) {
      preview.classList.add("prose-preview");
      if (text === lastText && lastData) {
        if (!preview.dataset.rendered) {
          showPreview(preview, lastData);
          preview.dataset.rendered = "1";
        }
        return null;
      }
      clearTimeout(timer);
      timer = setTimeout(function () {
        const mine = ++seq;
        const body = new FormData();
        body.append("text", text);
        fetch(url, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
        }).then(function (response) {
          return response.json();
        }).then(function (data) {
          if (mine !== seq) {
            return;
          }
          lastText = text;
          lastData = data;
          showPreview(preview, data);
          preview.dataset.rendered = "1";
        }).catch(function () {
          if (mine === seq) {
            showPreview(preview, { html: "", problems: [L.failed] });
          }
        });
      }, 300);
      if (!preview.dataset.rendered) {
        preview.textContent = L.loading;
      }
      return null;
    };
  }

  function setup(textarea) {
    const E = window.EasyMDE;
    const editor = new E({
      element: textarea,
      autoDownloadFontAwesome: false,
      spellChecker: false,
      nativeSpellcheck: false,
      forceSync: true,
      status: false,
      autofocus: false,
      sideBySideFullscreen: false,
      minHeight: textarea.rows > 6 ? "18rem" : "8rem",
      previewClass: ["editor-preview", "prose-preview"],
      previewRender: previewer(textarea.dataset.markdownPreview),
      toolbar: [
        button("bold", E.toggleBold, L.bold, L.boldTitle),
        button("italic", E.toggleItalic, L.italic, L.italicTitle),
        button("heading", E.toggleHeadingSmaller, L.heading, L.headingTitle),
        "|",
        button("quote", E.toggleBlockquote, L.quote, L.quoteTitle),
        button("unordered-list", E.toggleUnorderedList, L.bullets, L.bulletsTitle),
        button("ordered-list", E.toggleOrderedList, L.numbers, L.numbersTitle),
        button("table", E.drawTable, L.table, L.tableTitle),
        button("link", E.drawLink, L.link, L.linkTitle),
        "|",
        Object.assign(button("side-by-side", E.toggleSideBySide, L.sideBySide, L.sideBySideTitle),
                      { noDisable: true }),
        Object.assign(button("preview", E.togglePreview, L.preview, L.previewTitle),
                      { noDisable: true }),
        "|",
        button("undo", E.undo, L.undo, L.undoTitle),
        button("redo", E.redo, L.redo, L.redoTitle),
      ],
      shortcuts: { toggleFullScreen: null, drawImage: null },
    });
    const label = textarea.labels && textarea.labels.length ? textarea.labels[0].textContent : "";
    editor.codemirror.getInputField().setAttribute("aria-label",
                                                   textarea.dataset.label || label.trim());
    editors.push({ textarea: textarea, editor: editor });
    return editor;
  }

  document.querySelectorAll("textarea[data-markdown-preview]").forEach(setup);

  // ---- the course's files: insert at the cursor of the main text, or upload one -----------

  function mainEditor() {
    return editors.length ? editors[0].editor : null;
  }

  function insert(markdown) {
    const editor = mainEditor();
    if (!editor) {
      return;
    }
    const cm = editor.codemirror;
    const cursor = cm.getCursor();
    const line = cm.getLine(cursor.line);
    // Pictures sit in the text; players and documents stand alone on their line.
    const block = markdown.charAt(0) === "@";
    let text = markdown;
    if (block) {
      text = (line.trim() ? "\n\n" : "") + markdown + "\n";
    }
    cm.replaceSelection(text);
    cm.focus();
  }

  function addFile(list, file) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = file.name + " · " + file.kind + " ";
    const insertButton = document.createElement("button");
    insertButton.type = "button";
    insertButton.className = "button small";
    insertButton.dataset.insertMarkdown = file.markdown;
    insertButton.textContent = L.insert;
    item.append(name, insertButton);
    list.appendChild(item);
  }

  const panel = document.querySelector("[data-media-panel]");
  if (!panel || !mainEditor()) {
    return;
  }
  panel.querySelectorAll("[data-insert-markdown]").forEach(function (b) {
    b.hidden = false;
  });
  panel.addEventListener("click", function (event) {
    const target = event.target.closest("[data-insert-markdown]");
    if (target) {
      insert(target.dataset.insertMarkdown);
    }
  });
  const form = panel.querySelector("form[data-upload]");
  const status = panel.querySelector("[data-upload-status]");
  const list = panel.querySelector("[data-file-list]");
  if (!form) {
    return;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    status.textContent = L.uploading;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (data.problems) {
        status.textContent = data.problems.join(" ");
        return;
      }
      status.textContent = data.message + " " + L.inserted;
      const empty = list.querySelector("[data-no-files]");
      if (empty) {
        empty.remove();
      }
      addFile(list, data);
      insert(data.markdown);
      form.reset();
    }).catch(function () {
      status.textContent = L.failed;
    });
  });
}());
