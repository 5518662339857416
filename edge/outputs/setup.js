// The live page's setup: the digits' region drawn over the video, the face library, live enrolment.
// Every change goes to the JSON API (/api/...) with the page's token in the Authorization header.
(() => {
  const token = new URLSearchParams(location.search).get("token");
  const withToken = (path) => token ? path + "?token=" + encodeURIComponent(token) : path;
  const $ = (id) => document.getElementById(id);
  const svgNS = "http://www.w3.org/2000/svg";
  // A model that knew each person by 3 crops let 22 % of strangers through (docs/benchmarks.md).
  const FEW_PHOTOS = 6;
  let setup = null;

  function say(text, bad) {
    $("setup-message").textContent = text;
    $("setup-message").className = bad ? "bad" : "";
  }

  async function api(method, path, body) {
    const headers = {"Content-Type": "application/json"};
    if (token) headers.Authorization = "Bearer " + token;
    const answer = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
    const data = await answer.json();
    if (!answer.ok) throw new Error(data.error || ("HTTP " + answer.status));
    return data;
  }

  // --- the digits' region, drawn in frame pixels over the scaled video ---
  const overlay = $("overlay"), video = $("video");
  let mode = null, box = null, corners = null, dragging = null;

  const scale = () => video.naturalWidth / video.clientWidth || 1;
  function framePoint(event) {
    const rect = overlay.getBoundingClientRect(), k = scale();
    const [w, h] = setup && setup.frame ? setup.frame : [video.naturalWidth, video.naturalHeight];
    const x = Math.round((event.clientX - rect.left) * k), y = Math.round((event.clientY - rect.top) * k);
    return [Math.min(Math.max(x, 0), w - 1), Math.min(Math.max(y, 0), h - 1)];
  }
  function shape(name, attributes) {
    const element = document.createElementNS(svgNS, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    overlay.appendChild(element);
    return element;
  }
  function redraw() {
    overlay.replaceChildren();
    overlay.setAttribute("viewBox", `0 0 ${video.naturalWidth || 640} ${video.naturalHeight || 480}`);
    const style = {fill: "rgba(0,255,255,0.15)", stroke: "cyan", "stroke-width": 3};
    if (mode === "box" && box) {
      shape("rect", {x: box[0], y: box[1], width: box[2], height: box[3], ...style});
    }
    if (mode === "corners" && corners) {
      shape("polygon", {points: corners.map((p) => p.join(",")).join(" "), ...style});
      corners.forEach((p, i) => {
        const handle = shape("circle", {cx: p[0], cy: p[1], r: 9, fill: "yellow", class: "corner"});
        handle.dataset.corner = i;
      });
    }
  }
  function startMode(next) {
    mode = next;
    overlay.classList.add("on");
    $("save-roi").disabled = $("cancel-roi").disabled = false;
    if (next === "box") {
      box = null;
      say("Drag a box around the digits on the picture, then Save.");
    } else {
      const [x, y, w, h] = setup && setup.roi ? setup.roi : [160, 120, 320, 240];
      corners = setup && setup.corners
        ? [0, 2, 4, 6].map((i) => [setup.corners[i], setup.corners[i + 1]])
        : [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
      say("Drag the four yellow corners onto the card's corners, then Save.");
    }
    redraw();
  }
  function stopMode() {
    mode = box = corners = dragging = null;
    overlay.classList.remove("on");
    overlay.replaceChildren();
    $("save-roi").disabled = $("cancel-roi").disabled = true;
  }
  overlay.addEventListener("mousedown", (event) => {
    event.preventDefault();
    const point = framePoint(event);
    if (mode === "box") {
      dragging = {from: point};
      box = [point[0], point[1], 0, 0];
    } else if (mode === "corners") {
      const k = scale();
      let nearest = 0;
      corners.forEach((p, i) => {
        if (Math.hypot(p[0] - point[0], p[1] - point[1]) < Math.hypot(corners[nearest][0] - point[0],
            corners[nearest][1] - point[1])) nearest = i;
      });
      if (Math.hypot(corners[nearest][0] - point[0], corners[nearest][1] - point[1]) < 30 * k) {
        dragging = {corner: nearest};
      }
    }
  });
  overlay.addEventListener("mousemove", (event) => {
    if (!dragging) return;
    const point = framePoint(event);
    if (mode === "box") {
      const [x0, y0] = dragging.from;
      box = [Math.min(x0, point[0]), Math.min(y0, point[1]), Math.abs(point[0] - x0), Math.abs(point[1] - y0)];
    } else {
      corners[dragging.corner] = point;
    }
    redraw();
  });
  window.addEventListener("mouseup", () => { dragging = null; });
  $("draw-box").onclick = () => startMode("box");
  // The handles start on the region the loop reads now: a click before the page's first look at it
  // waits for that answer, or they would start on a default box.
  $("drag-corners").onclick = async () => { if (!setup) await refresh(); startMode("corners"); };
  $("cancel-roi").onclick = () => { stopMode(); say(""); };
  $("save-roi").onclick = async () => {
    const body = mode === "box" ? {roi: box} : {corners: corners.flat()};
    try {
      const answer = await api("PUT", "api/roi", body);
      stopMode();
      say(answer.saved ? `Saved in ${answer.config_file}; the loop reads the new region now.`
        : "Applied; not saved (the loop was started without --config).");
      await refresh();
    } catch (error) {
      say(error.message, true);
    }
  };

  // --- people and unknown faces ---
  const image = (src, alt) => Object.assign(document.createElement("img"), {src: withToken(src), alt});
  function button(text, action) {
    const element = Object.assign(document.createElement("button"), {type: "button", textContent: text});
    element.onclick = action;
    return element;
  }
  async function change(method, path, body, done, before) {
    try {
      await api(method, path, body);
      say(done);
      if (before) before();
      await refresh();
    } catch (error) {
      say(error.message, true);
    }
  }
  function showPeople(people) {
    $("people").replaceChildren(...people.map((person) => {
      const card = Object.assign(document.createElement("div"), {className: "person"});
      card.dataset.name = person.name;
      const name = Object.assign(document.createElement("input"), {value: person.name, size: 12});
      name.setAttribute("aria-label", "name of " + person.name);
      const path = "api/people/" + encodeURIComponent(person.name);
      card.append(...person.images.map((src) => image(src, person.name)), name,
        document.createTextNode(` ${person.samples} photos ` +
          (person.samples < FEW_PHOTOS ? "(few: strangers may pass for them; enrol more views) " : "")),
        button("Rename", () => change("PATCH", path, {name: name.value}, `Renaming ${person.name}…`)),
        button("Delete", () => confirm(`Forget ${person.name}? Their photos are deleted.`) &&
          change("DELETE", path, undefined, `Forgetting ${person.name}…`)));
      return card;
    }));
    $("known-names").replaceChildren(...people.map((p) => Object.assign(document.createElement("option"),
      {value: p.name})));
  }
  function showUnknown(faces) {
    $("unknown").replaceChildren(...faces.map((face) => {
      const label = Object.assign(document.createElement("label"), {className: "stranger"});
      const tick = Object.assign(document.createElement("input"), {type: "checkbox", value: face.id});
      label.append(image(face.image, "unknown face"), tick,
        document.createTextNode(new Date(face.time * 1000).toLocaleTimeString()));
      return label;
    }));
    if (!faces.length) $("unknown").textContent = "None kept (unknown faces are kept with the snapshots).";
  }
  function showModel(faces, model, capture) {
    if (!faces) { $("model-state").textContent = "Face recognition is off (no [faces] model)."; return; }
    if (!model.trained && model.state === "ready" && !model.error) {
      $("model-state").textContent = "No face model yet: name or enrol three people and the first one is trained.";
      return;
    }
    let text = `Model version ${model.version}: ${model.state}`;
    if (model.progress) text += ` (${model.progress.step}, ${Math.round(model.progress.fraction * 100)} %)`;
    if (capture) text += ` — ${capture.kept} of ${capture.wanted} views of ${capture.name} kept`;
    if (model.error) text += ". " + model.error;
    $("model-state").textContent = text;
  }
  $("enrol").onsubmit = (event) => {
    event.preventDefault();
    const name = $("enrol-name").value;
    change("POST", "api/people", {name, capture: Number($("enrol-count").value)},
      `Taking views of ${name}: look at the camera and turn a little.`);
  };
  $("name-unknown").onsubmit = (event) => {
    event.preventDefault();
    const ids = [...document.querySelectorAll("#unknown input:checked")].map((box) => box.value);
    if (!ids.length) { say("Tick the faces of this person first.", true); return; }
    // Once accepted, the named faces leave the list: untick them so it is drawn again.
    const untick = () => document.querySelectorAll("#unknown input:checked").forEach((box) => { box.checked = false; });
    change("POST", "api/people", {name: $("unknown-name").value, from_unknown: ids},
      `Adding ${ids.length} face(s) to ${$("unknown-name").value}…`, untick);
  };

  let shown = {};
  async function refresh() {
    try {
      setup = await (await fetch(withToken("api/setup"), {cache: "no-store"})).json();
    } catch (error) {
      return;  // the device is away: the next refresh tries again
    }
    const region = setup.corners ? "corners " + setup.corners.join(",") : setup.roi ? "box " + setup.roi.join(",")
      : "the whole frame";
    $("roi-now").textContent = "Now: " + region + (setup.reading ? "" : " (digit reading is off)");
    // Lists are drawn again only when they changed, so a name being typed is not wiped, and the
    // unknown faces not while some are ticked: the faces being chosen stay where they are.
    const choosing = document.querySelector("#unknown input:checked") !== null;
    for (const [key, draw] of [["people", showPeople], ["unknown", showUnknown]]) {
      const now = JSON.stringify(setup[key]);
      if (shown[key] !== now && !(key === "unknown" && choosing)) { shown[key] = now; draw(setup[key]); }
    }
    showModel(setup.faces, setup.model, setup.capture);
  }
  refresh();
  setInterval(refresh, 2000);
})();
