/*
 * kgraph query page: YASGUI bound to this server's SPARQL endpoint.
 *
 * Loads /ui/examples.json (the examples, the endpoint, kgraph's prefixes and the query for
 * completions), then starts YASGUI with:
 *   - every request going to this server's /sparql, whatever a tab or a shared link says;
 *   - an endpoint catalogue holding only that endpoint (no DBpedia, no Wikidata);
 *   - one tab per example, the results shown as a table;
 *   - completions of kgraph's own classes and properties, fetched from /sparql, in place of
 *     the completers that ask Linked Open Vocabularies (lov.linkeddata.es);
 *   - prefix completion from kgraph's prefixes and YASGUI's bundled list (never prefix.cc);
 *   - stored tabs kept per kgraph version, so stale tabs of an older version do not survive.
 * Nothing is loaded from any other host.
 */
(function () {
  "use strict";

  var root = document.getElementById("yasgui");
  var statusEl = document.getElementById("kg-status");

  addAuditLink();

  // The audit report (/audit/report) beside the other services, under the same root path.
  function addAuditLink() {
    var nav = document.querySelector('nav[aria-label="Services"]');
    if (!nav || !root) return;
    var config = root.getAttribute("data-config") || "";
    var base = config.replace(/\/ui\/examples\.json$/, "");
    var span = document.createElement("span");
    var link = document.createElement("a");
    link.href = base + "/audit/report";
    link.textContent = "Audit report";
    span.appendChild(link);
    span.appendChild(document.createTextNode(
      " (who said what, which party, how it travelled, what a curator inferred)"));
    nav.appendChild(span);
  }

  function setStatus(text, isError) {
    if (!statusEl) return;
    statusEl.textContent = text || "";
    statusEl.hidden = !text;
    statusEl.classList.toggle("kg-error", !!isError);
  }

  if (typeof window.Yasgui === "undefined") {
    setStatus("The query editor (YASGUI) did not load.", true);
    return;
  }

  fetch(root.getAttribute("data-config"), { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(start)
    .catch(function (error) {
      setStatus("The query editor could not start: " + error.message, true);
      if (window.console) console.error(error);
    });

  function start(config) {
    var endpoint = new URL(config.endpoint, window.location.href).href;
    dropStaleState(config.persistencePrefix, config.persistenceId);
    configureCompleters(window.Yasgui.Yasqe, endpoint, config);

    var yasgui = new window.Yasgui(root, {
      persistenceId: config.persistenceId,
      autoAddOnInit: false,
      copyEndpointOnNewTab: false,
      tabName: "Query",
      // A shared link may carry a query, never another endpoint.
      populateFromUrl: function (tab) {
        tab.requestConfig = Object.assign({}, tab.requestConfig, { endpoint: endpoint });
        return tab;
      },
      // A function is evaluated at every request and overrides what a tab has stored.
      requestConfig: {
        endpoint: function () { return endpoint; },
        method: "POST",
      },
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: endpoint }]; },
        keys: [],
      },
      yasqe: { value: config.newTabQuery },
      yasr: { defaultPlugin: "table", prefixes: config.prefixes },
    });

    // The endpoint field shows this endpoint only: put it back if someone changes it.
    yasgui.on("tabChange", function (_yasgui, tab) {
      if (tab && tab.getEndpoint && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
    });

    if (!yasgui.persistentConfig.getTabs().length) {
      config.examples.forEach(function (example, i) {
        yasgui.addTab(i === 0, {
          id: "example-" + example.number,
          name: example.title,
          yasqe: { value: editorText(example) },
          requestConfig: { endpoint: endpoint },
          yasr: { settings: { selectedPlugin: "table", pluginsConfig: {} } },
        });
      });
    }
    window.kgraphYasgui = yasgui; // for the browser tests and the curious
    setStatus("");
    root.setAttribute("data-ready", "true");
  }

  // The example's description as comment lines above its query.
  function editorText(example) {
    return wrap(example.description, 92).map(function (line) { return "# " + line; }).join("\n") +
      "\n" + example.query;
  }

  function wrap(text, width) {
    var lines = [], line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && line.length + 1 + word.length > width) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) lines.push(line);
    return lines;
  }

  // Tabs stored by another version of kgraph (or of its examples) are dropped.
  function dropStaleState(prefix, current) {
    try {
      var stale = [];
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(prefix) === 0 && key.indexOf(current + "_") !== 0) stale.push(key);
      }
      stale.forEach(function (key) { window.localStorage.removeItem(key); });
    } catch (e) { /* storage disabled: nothing stored, nothing to drop */ }
  }

  function configureCompleters(Yasqe, endpoint, config) {
    var lovClass = Yasqe.Autocompleters["class"];
    var lovProperty = Yasqe.Autocompleters.property;
    var bundledPrefixes = Yasqe.Autocompleters.prefixes;

    // Remove the completers that ask outside services, and YASGUI's own prefix completer
    // (replaced below by one that knows kgraph's prefixes).
    ["class", "property", "prefixes"].forEach(function (name) {
      delete Yasqe.Autocompleters[name];
      var i = Yasqe.defaults.autocompleters.indexOf(name);
      if (i >= 0) Yasqe.defaults.autocompleters.splice(i, 1);
    });

    var terms = null;
    function loadTerms() {
      if (!terms) {
        var body = new URLSearchParams();
        body.set("query", config.completionQuery);
        terms = fetch(endpoint, {
          method: "POST",
          headers: { Accept: "application/sparql-results+json" },
          body: body,
        })
          .then(function (response) {
            if (!response.ok) throw new Error("HTTP " + response.status);
            return response.json();
          })
          .then(function (json) {
            var found = { "class": [], property: [] };
            json.results.bindings.forEach(function (b) {
              if (found[b.kind.value]) found[b.kind.value].push(b.term.value);
            });
            return found;
          })
          .catch(function (error) {
            terms = null; // try again next time
            if (window.console) console.warn("kgraph: no completions", error);
            return { "class": [], property: [] };
          });
      }
      return terms;
    }

    // Same positions and IRI handling as YASGUI's class and property completers; the terms
    // come from this server, all at once (bulk), and are matched as you type.
    [["kgraph-classes", lovClass, "class"], ["kgraph-properties", lovProperty, "property"]]
      .forEach(function (spec) {
        var base = spec[1] || {};
        Yasqe.registerAutocompleter({
          name: spec[0],
          bulk: true,
          autoShow: true,
          persistenceId: undefined,
          isValidCompletionPosition: base.isValidCompletionPosition,
          preProcessToken: base.preProcessToken,
          postProcessSuggestion: base.postProcessSuggestion,
          get: function () {
            return loadTerms().then(function (found) { return found[spec[2]]; });
          },
        });
      });

    if (bundledPrefixes) {
      var own = config.prefixes;
      Yasqe.registerAutocompleter(Object.assign({}, bundledPrefixes, {
        name: "kgraph-prefixes",
        persistenceId: undefined,
        get: function (yasqe) {
          // kgraph's prefixes first; the bundled list (no network) for the rest.
          return Promise.resolve(bundledPrefixes.get(yasqe)).then(function (bundled) {
            var list = Object.keys(own).sort().map(function (p) { return p + ": <" + own[p] + ">"; });
            (bundled || []).forEach(function (entry) {
              var prefix = entry.slice(0, entry.indexOf(":"));
              if (!Object.prototype.hasOwnProperty.call(own, prefix)) list.push(entry);
            });
            return list;
          });
        },
      }));
    }
  }
})();
