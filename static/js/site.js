// Progressive enhancement only: the page works fully without this file.
// No inline script or (data-)hx-on anywhere (the CSP forbids them): behaviour lives here.
"use strict";

// --- Loading htmx when a widget needs it (issue 30) ---------------------------
// Reader pages do not load htmx with the page (base.html gives its address
// in data-htmx): the first widget is screens down on a phone. It loads when
// a widget comes within a screen of view, or when the reader touches or
// focuses one. A click on a widget's link or a sent chooser before htmx has
// arrived waits for it and is then replayed, so htmx swaps the panel as
// usual. If htmx cannot load, the replay goes ahead as a full page, as
// without JavaScript; offline, a page would not come either, so the widget
// says so as for any request it cannot send ("Nothing silent on a bad
// connection" below) and the next click tries htmx again. Owner pages load
// htmx at once (auth/_owner_head.html).
(function () {
  const HTMX_ELEMENTS = "[data-hx-get],[data-hx-post],[hx-get],[hx-post]";
  const WIDGETS = "[data-widget],.widget";
  const script = document.currentScript;
  const source = script && script.getAttribute("data-htmx");
  if (window.htmx || !source || !document.querySelector(HTMX_ELEMENTS)) {
    return; // already here (owner pages), or nothing on this page uses it
  }
  let loading = null;
  let unavailable = false; // htmx failed online: links and forms go as pages

  // htmx starts at once only in a complete document: run earlier, it waits
  // for DOMContentLoaded, which has already fired, and never starts.
  function afterLoad() {
    return new Promise(function (resolve) {
      if (document.readyState === "complete") {
        resolve();
      } else {
        window.addEventListener("load", resolve, { once: true });
      }
    });
  }

  function loadHtmx() {
    if (!loading) {
      loading = afterLoad().then(function () {
        return new Promise(function (resolve) {
          const element = document.createElement("script");
          element.src = source;
          element.addEventListener("load", resolve);
          element.addEventListener("error", function () {
            element.remove();
            loading = null; // offline: the next click tries again
            unavailable = navigator.onLine;
            resolve();
          });
          document.head.append(element);
        });
      });
    }
    return loading;
  }

  function waiting() {
    return !window.htmx && !unavailable;
  }

  // Held clicks and sends go again in order, each once the one before has
  // its answer: a tab, then a technique, tapped while htmx was on its way
  // both end up in the page's address (each request carries the address).
  let replays = Promise.resolve();

  function replay(elt, action) {
    replays = replays.then(loadHtmx).then(function () {
      return new Promise(function (resolve) {
        if (waiting()) {
          elt.dispatchEvent(
            new CustomEvent("site:unsent", { bubbles: true, detail: { elt: elt } })
          );
          resolve();
          return;
        }
        let sent = false;
        function started() {
          sent = true;
        }
        function answered() {
          document.removeEventListener("htmx:afterRequest", answered);
          resolve();
        }
        document.addEventListener("htmx:beforeRequest", started);
        document.addEventListener("htmx:afterRequest", answered);
        action(); // htmx sends its request at once, or the browser a page
        document.removeEventListener("htmx:beforeRequest", started);
        if (!sent) {
          answered();
        }
      });
    });
  }

  // A widget within a screen below the view (or in it) loads htmx.
  if (window.IntersectionObserver) {
    const observer = new IntersectionObserver(
      function (entries) {
        const near = entries.some(function (entry) {
          return entry.isIntersecting;
        });
        if (near) {
          observer.disconnect();
          loadHtmx();
        }
      },
      { rootMargin: "0px 0px 100% 0px" }
    );
    document.querySelectorAll(HTMX_ELEMENTS).forEach(function (element) {
      observer.observe(element.closest(WIDGETS) || element);
    });
  } else {
    loadHtmx();
  }

  // A touch, press or focus inside a widget: a click is likely to follow.
  function touched(event) {
    if (event.target.closest && event.target.closest(WIDGETS)) {
      loadHtmx();
    }
  }
  document.addEventListener("pointerdown", touched);
  document.addEventListener("touchstart", touched, { passive: true });
  document.addEventListener("focusin", touched);

  // A plain click on a widget's link before htmx is here: hold it, replay it.
  // (The tabs' Space key clicks the tab, and comes this way too.)
  document.addEventListener(
    "click",
    function (event) {
      if (!waiting() || event.button !== 0) {
        return;
      }
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
        return; // a new tab or window: the link's own page, as it is
      }
      const link =
        event.target.closest && event.target.closest("a[data-hx-get],a[hx-get]");
      if (!link) {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      replay(link, function () {
        link.click();
      });
    },
    true
  );

  // The chooser sent before htmx is here: hold it, send it again. Clicking
  // the same button again lets htmx see which one it was (its name and value
  // are part of the answer); htmx reads no event.submitter.
  document.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (!waiting() || !form.matches || !form.matches("[data-hx-post],[hx-post]")) {
        return;
      }
      const submitter = event.submitter;
      event.preventDefault();
      event.stopImmediatePropagation();
      replay(form, function () {
        if (submitter && submitter.isConnected) {
          submitter.click();
        } else {
          form.requestSubmit();
        }
      });
    },
    true
  );
})();

(function () {
  // --- Widgets --------------------------------------------------------------
  // Without JavaScript the widgets are plain links and a POST form that load
  // full pages. With it, htmx swaps only a widget's panel and pushes the full
  // page's URL; this file adds the WAI-ARIA tabs pattern to the comparison,
  // marks the current choice after a swap and keeps the links' URLs in step
  // with the page's URL, so a copied or middle-clicked link keeps every widget.

  // The comparison's aspect links become tabs; the panel becomes their tabpanel.
  function setUpTabs(root) {
    root.querySelectorAll("[data-tabs]").forEach(function (list) {
      const widget = list.closest("[data-widget]");
      const panel = widget.querySelector("[data-widget-panel]");
      list.setAttribute("role", "tablist");
      list.querySelectorAll("li").forEach(function (item) {
        item.setAttribute("role", "presentation");
      });
      list.querySelectorAll("a[data-key]").forEach(function (tab) {
        tab.setAttribute("role", "tab");
        tab.setAttribute("aria-controls", panel.id);
        tab.removeAttribute("aria-current");
      });
      panel.setAttribute("role", "tabpanel");
      panel.tabIndex = 0;
      markCurrent(widget);
    });
  }

  // Mark the link whose content the panel shows (the panel says which).
  function markCurrent(widget) {
    const panel = widget.querySelector("[data-widget-panel]");
    const marker = panel && panel.querySelector("[data-current]");
    if (!marker) {
      return; // an error message: the reader's last choice still stands
    }
    const current = marker.getAttribute("data-current");
    widget.querySelectorAll("a[data-key]").forEach(function (link) {
      const on = link.getAttribute("data-key") === current;
      if (link.getAttribute("role") === "tab") {
        link.setAttribute("aria-selected", on ? "true" : "false");
        link.tabIndex = on ? 0 : -1; // roving tabindex: Tab reaches the selected tab
        if (on) {
          panel.setAttribute("aria-labelledby", link.id);
        }
      } else if (on) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  // Arrow keys, Home and End move between tabs; Enter or Space activates one
  // (manual activation: each activation loads a panel and adds a history entry).
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    const tab = event.target.closest && event.target.closest('[role="tab"]');
    if (!tab) {
      return;
    }
    const tabs = Array.from(
      tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]')
    );
    const index = tabs.indexOf(tab);
    let next;
    switch (event.key) {
      case "ArrowRight":
        next = tabs[(index + 1) % tabs.length];
        break;
      case "ArrowLeft":
        next = tabs[(index - 1 + tabs.length) % tabs.length];
        break;
      case "Home":
        next = tabs[0];
        break;
      case "End":
        next = tabs[tabs.length - 1];
        break;
      case " ":
        event.preventDefault(); // a link ignores Space; a tab does not
        tab.click();
        return;
      default:
        return;
    }
    event.preventDefault();
    next.focus();
  });

  // Give every widget link the page's current state, keeping only its own
  // parameters (data-own) from what the server wrote.
  function keepStateInLinks() {
    const here = new URLSearchParams(window.location.search);
    document.querySelectorAll("a[data-own]").forEach(function (link) {
      const own = link.getAttribute("data-own").split(" ");
      const url = new URL(link.getAttribute("href"), window.location.href);
      const params = new URLSearchParams();
      here.forEach(function (value, key) {
        if (!own.includes(key)) {
          params.append(key, value);
        }
      });
      url.searchParams.forEach(function (value, key) {
        if (own.includes(key)) {
          params.append(key, value);
        }
      });
      const query = params.toString();
      link.setAttribute("href", url.pathname + (query ? "?" + query : "") + url.hash);
    });
  }

  // A panel that is loading says so to assistive technology (data-busy-while-
  // loading: the widgets' panels and the owner's dashboard). Every way a
  // request can end, a failed one too, ends the wait.
  function busyBox(event) {
    const target = event.detail && event.detail.target;
    return target && target.hasAttribute && target.hasAttribute("data-busy-while-loading")
      ? target
      : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const box = busyBox(event);
    if (box) {
      box.setAttribute("aria-busy", "true");
    }
  });

  ["htmx:afterRequest", "htmx:sendError", "htmx:timeout", "htmx:sendAbort"].forEach(
    function (name) {
      document.addEventListener(name, function (event) {
        const box = busyBox(event);
        if (box) {
          box.removeAttribute("aria-busy");
        }
      });
    }
  );

  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail.target;
    const widget = target && target.closest && target.closest("[data-widget]");
    if (widget) {
      markCurrent(widget);
    }
    keepStateInLinks();
    if (target && target.querySelector) {
      showWhatChanged(target);
    }
  });

  // A deleted note's button goes with it: keep the keyboard in the notes box
  // (its heading) instead of dropping focus back to the top of the page.
  document.addEventListener("htmx:afterSettle", function (event) {
    const path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (!path || path.indexOf("/stats/notes") !== 0) {
      return;
    }
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) {
      return;
    }
    const title = document.getElementById("notes-title");
    if (title) {
      title.focus();
    }
  });

  // --- Where a swap lands ------------------------------------------------------
  // A chooser that still needs answers moves focus to its list of problems, so
  // a screen reader reads it out. Anything else that lands below the fold (a
  // technique's notes on a phone, the chooser's suggestion) is scrolled into
  // view, without moving focus and without animation for readers who ask
  // for reduced motion.
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function showWhatChanged(target) {
    const summary = target.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      return;
    }
    const landed = target.querySelector("[data-current]") || target;
    const box = landed.getBoundingClientRect();
    const visible = box.top >= 0 && box.top <= window.innerHeight * 0.75;
    if (!visible) {
      landed.scrollIntoView({
        block: "start",
        behavior: reduceMotion.matches ? "instant" : "smooth",
      });
    }
  }

  // A link in the chooser's list of problems focuses the question's first
  // answer and shows the whole question, its legend included.
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("[data-error-summary] a");
    const input = link && document.getElementById(link.hash.slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    input.focus({ preventScroll: true });
    input.closest("fieldset").scrollIntoView({
      block: "start",
      behavior: reduceMotion.matches ? "instant" : "smooth",
    });
  });

  // Back and forward replace the page's body: set the widgets up again.
  document.addEventListener("htmx:historyRestore", function () {
    // The snapshot was taken while a panel was loading.
    document.querySelectorAll("[data-busy-while-loading][aria-busy]").forEach(function (panel) {
      panel.removeAttribute("aria-busy");
    });
    setUpTabs(document);
    keepStateInLinks();
  });

  // --- The chooser's "None of these" -----------------------------------------
  // Ticking "None of these" clears the other ticks, and ticking one of them
  // clears "None of these". Without JavaScript both can be sent: any other
  // tick then counts, the safe reading.
  document.addEventListener("change", function (event) {
    const box = event.target;
    if (box.type !== "checkbox" || !box.checked) {
      return;
    }
    const group = box.closest("fieldset");
    if (!group || !group.querySelector("[data-none-of-these]")) {
      return;
    }
    const isNone = box.hasAttribute("data-none-of-these");
    group.querySelectorAll('input[type="checkbox"]').forEach(function (other) {
      if (other !== box && other.hasAttribute("data-none-of-these") !== isNone) {
        other.checked = false;
      }
    });
  });

  setUpTabs(document);
})();

// --- The weekly letter's frame (issue 29, owner pages) -----------------------
// The preview frame grows to the letter's height, so the page scrolls as one.
// Its sandbox allows the same origin but no script: this page reads the
// letter's height, the letter itself runs nothing. Without JavaScript the
// frame keeps its fixed height and scrolls inside.
(function () {
  function fitToLetter(frame) {
    const letter = frame.contentDocument;
    if (!letter || !letter.body || letter.URL === "about:blank") {
      return; // not loaded yet: its load event fits it
    }
    // The root's own box: the letter's height, whatever the frame's is now.
    const content = letter.documentElement.getBoundingClientRect().height;
    const border = frame.offsetHeight - frame.clientHeight;
    frame.style.minHeight = "0";
    frame.style.height = Math.ceil(content + border) + "px";
  }

  const frames = document.querySelectorAll("iframe[data-fit-height]");
  frames.forEach(function (frame) {
    frame.addEventListener("load", function () {
      fitToLetter(frame);
    });
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") {
      fitToLetter(frame); // loaded before this script ran
    }
  });
  // A narrower window makes the letter taller: fit again, once it settles.
  let pending = null;
  window.addEventListener("resize", function () {
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(function () {
      frames.forEach(fitToLetter);
    });
  });
})();

// --- The first-day checklist's "Copy link" (issue 29, dashboard) -------------
// Without JavaScript the article's address is a read-only field to select and
// copy. With the clipboard at hand, a button copies it and a polite status
// line says "Copied" (a fresh message each time, so it is announced again).
(function () {
  function addCopyButton(root) {
    if (!navigator.clipboard) {
      return; // not a secure page or an old browser: the field alone
    }
    root.querySelectorAll("[data-copy-link]:not([data-copy-ready])").forEach(function (box) {
      const field = box.querySelector("[data-copy-source]");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--small";
      button.textContent = "Copy link";
      const status = document.createElement("p");
      status.className = "dash-share__status";
      status.setAttribute("role", "status");
      box.append(button, status);
      box.setAttribute("data-copy-ready", "");
      button.addEventListener("click", function () {
        status.textContent = "";
        navigator.clipboard.writeText(field.value).then(
          function () {
            status.textContent = "Copied";
          },
          function () {
            field.select();
            status.textContent = "Could not copy: the link is selected, copy it from there.";
          }
        );
      });
    });
  }

  addCopyButton(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    addCopyButton(event.target);
  });
})();

// --- A press on the practice's phone number (issue 30, calls) ---------------
// The phone links stay plain tel: links. Pressing one that carries data-call
// (the article's) also sends a beacon there, counted as a call like a booking
// click; the call itself goes ahead untouched. Without JavaScript, or without
// sendBeacon, no call is counted.
(function () {
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[data-call]");
    if (link && navigator.sendBeacon) {
      navigator.sendBeacon(link.getAttribute("data-call"));
    }
  });
})();

// --- Nothing silent on a bad connection (issue 30, widgets) ------------------
// A widget's request that cannot be sent (site:unsent: a click held for htmx
// while offline), takes longer than htmx's timeout (base.html's
// htmx-config) or meets a server error says so in the widget's
// status region, shown on screen while it holds the news, and offers what
// works without JavaScript: the link's own page, or the chooser's form sent
// as a full page. The chooser shows it is working while its request is out.
// Nothing here keeps or logs the chooser's answers.
(function () {
  const PROBLEM = "Couldn't load: check your connection and try again.";
  const WAITING = "Working out your suggestion…";

  // The status region of the widget that sent the request, with the element.
  function widgetRequest(event) {
    const elt = event.detail && event.detail.elt;
    const widget = elt && elt.closest && elt.closest(".widget");
    const status = widget && widget.querySelector('[role="status"]');
    return status ? { elt: elt, status: status } : null;
  }

  function show(status, state, words) {
    status.textContent = words;
    status.setAttribute("data-connection", state);
    status.classList.remove("visually-hidden");
    status.classList.add("widget__notice");
  }

  function hide(status) {
    status.removeAttribute("data-connection");
    status.classList.remove("widget__notice");
    status.classList.add("visually-hidden");
  }

  // What works without JavaScript: the link's own page, or the form posted.
  function fallback(elt) {
    if (elt.tagName === "A") {
      const link = document.createElement("a");
      link.href = elt.href; // site.js keeps it in step with the page's state
      link.textContent = "Try again";
      return link;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small";
    button.textContent = "Try again";
    button.addEventListener("click", function () {
      const form = document.getElementById(elt.id) || elt;
      const submit = form.querySelector('[type="submit"][name]');
      if (submit) {
        // submit() sends no button: carry its name and value as the click would.
        const carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submit.name;
        carried.value = submit.value;
        form.append(carried);
      }
      // A full page POST, past htmx (submit() fires no submit event).
      HTMLFormElement.prototype.submit.call(form);
    });
    return button;
  }

  function showProblem(request) {
    show(request.status, "problem", PROBLEM + " ");
    request.status.append(fallback(request.elt));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const request = widgetRequest(event);
    if (!request) {
      return;
    }
    if (request.elt.tagName === "FORM") {
      show(request.status, "waiting", WAITING);
    } else if (request.status.hasAttribute("data-connection")) {
      request.status.textContent = "";
      hide(request.status);
    }
  });

  // Every way a request ends: the wait is over (a problem stays shown).
  document.addEventListener("htmx:afterRequest", function (event) {
    const request = widgetRequest(event);
    if (!request) {
      return;
    }
    const state = request.status.getAttribute("data-connection");
    if (state === "waiting" && request.status.textContent === WAITING) {
      request.status.textContent = ""; // the answer brought no words of its own
    }
    if (state === "waiting" || (state === "problem" && event.detail.successful)) {
      hide(request.status);
    }
  });

  ["htmx:sendError", "htmx:timeout", "site:unsent"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      const request = widgetRequest(event);
      if (request) {
        showProblem(request);
      }
    });
  });

  // A server error (or a proxy's page) leaves the widget as it was, the
  // chooser's answers included, instead of swapping in its page.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const request = widgetRequest(event);
    if (request && event.detail.xhr.status >= 500) {
      event.detail.shouldSwap = false;
      showProblem(request);
    }
  });
})();

// --- Booking bar (issue 30) ----------------------------------------------------
// On a phone, the booking bar (partials/_book_bar.html) is pinned to the foot
// of the screen once the article's title has scrolled away: booking is one
// tap away. It gives way to the footer's own booking link, never covers the
// chooser's submit button, and hides while the on-screen keyboard is open
// and while the chooser says "get care today" (that reader is sent to a
// doctor, not to a booking). Hidden, it is inert: out of the tab order and
// unread by screen readers. Without JavaScript, or on a wider or short
// screen, it stays a link after the article.
(function () {
  if (!window.IntersectionObserver) {
    return; // an old browser: the link after the article
  }
  // A phone held upright: a short screen (held sideways, or zoomed far in)
  // cannot spare the room, and keeps the link after the article.
  const narrow = window.matchMedia("(max-width: 40em) and (min-height: 28em)");
  const viewport = window.visualViewport;
  // Fields that bring up the on-screen keyboard (not ticks or buttons).
  const typed =
    /^(text|search|email|tel|url|number|password|date|time|datetime-local|month|week)$/;
  let typing = false;
  let bar = null;
  let observer = null;
  const onScreen = new Set(); // the title and the footer's booking link in view

  function typesText(element) {
    const tag = element && element.tagName;
    return (
      tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && typed.test(element.type))
    );
  }

  // A visual viewport much shorter than the window (at the page's own zoom):
  // the keyboard takes the rest, even when no field of ours has the focus.
  function keyboardOpen() {
    return typing || (viewport && viewport.height * viewport.scale < window.innerHeight * 0.75);
  }

  // A submit button of the chooser in the strip the bar takes at the foot.
  function coversSubmit() {
    const strip = window.innerHeight - bar.offsetHeight - 8;
    return Array.from(document.querySelectorAll(".chooser__submit")).some(function (button) {
      const box = button.getBoundingClientRect();
      return box.height > 0 && box.bottom > strip && box.top < window.innerHeight;
    });
  }

  function update() {
    if (!bar) {
      return;
    }
    const floating = narrow.matches;
    bar.toggleAttribute("data-floating", floating);
    const careToday = document.querySelector('[data-current="care-today"]') !== null;
    const inTheWay = onScreen.size > 0 || keyboardOpen() || coversSubmit();
    // A bar holding the keyboard's focus stays until focus moves on.
    const hidden = careToday || (floating && inTheWay && !bar.contains(document.activeElement));
    bar.toggleAttribute("data-hidden", hidden);
    bar.inert = hidden;
  }

  // The page's bar, title and footer: on load, and again after back or
  // forward, which replace the page's body.
  function setUp() {
    if (observer) {
      observer.disconnect();
    }
    onScreen.clear();
    bar = document.querySelector("[data-book-bar]");
    const title = document.getElementById("article-title");
    if (!bar || !title) {
      bar = null;
      return;
    }
    // The footer's booking link takes over from the bar (the footer itself
    // when it has none): no screen goes without a way to book.
    const footer = document.querySelector(".site-footer");
    const footerLink = (footer && footer.querySelector("a[data-placement]")) || footer;
    onScreen.add(title); // until the observer says otherwise
    // Any part of the title keeps the bar away; the footer's link, whole.
    observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          const whole = entry.intersectionRatio > 0.99;
          if (entry.isIntersecting && (entry.target === title || whole)) {
            onScreen.add(entry.target);
          } else {
            onScreen.delete(entry.target);
          }
        });
        update();
      },
      { threshold: [0, 1] }
    );
    observer.observe(title);
    if (footerLink) {
      observer.observe(footerLink);
    }
    update();
    // Slide in and out from now on; not on the way to the first paint.
    const settled = bar;
    window.requestAnimationFrame(function () {
      window.requestAnimationFrame(function () {
        settled.setAttribute("data-slides", "");
      });
    });
  }

  let pending = false;
  function updateSoon() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        update();
      });
    }
  }
  window.addEventListener("scroll", updateSoon, { passive: true });
  window.addEventListener("resize", updateSoon);
  if (viewport) {
    viewport.addEventListener("resize", updateSoon);
  }
  narrow.addEventListener("change", updateSoon);
  document.addEventListener("htmx:afterSettle", updateSoon);
  document.addEventListener("htmx:historyRestore", setUp);
  document.addEventListener("focusin", function (event) {
    typing = typesText(event.target);
    update();
  });
  document.addEventListener("focusout", function () {
    typing = false;
    update();
  });
  setUp();
})();
