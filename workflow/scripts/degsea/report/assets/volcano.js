// degsea DE table page: a volcano plot drawn from the table's own rows. Clicking a table row marks
// the gene on the volcano; clicking a point searches the table for that gene.
(() => {
  const spec = JSON.parse(document.getElementById("degsea-volcano-spec").textContent);
  // The points are the table's own rows (itables' JSON; missing numbers are written "___NaN___").
  const rows = JSON.parse(JSON.parse(document.getElementById("degsea-dt-args").textContent).data_json);
  // itables writes text cells HTML-escaped; a textarea turns the entities back into text (it never runs markup).
  const decoder = document.createElement("textarea");
  const text = (v) => { decoder.innerHTML = String(v); return decoder.value; };
  const column = (key) => rows.map((row) => (key in spec.columns ? row[spec.columns[key]] : null));
  const number = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  Object.assign(spec, { id: column("id").map(text), x: column("x").map(number), p: column("p").map(number), padj: column("padj").map(number) });
  spec.label = "label" in spec.columns ? column("label").map(text) : spec.id;
  const canvas = document.getElementById("degsea-volcano");
  const help = document.getElementById("degsea-volcano-help");
  const n = spec.id.length;
  const y = spec.y.map((v, i) => (spec.p[i] === null ? null : v));  // no p-value (Cook's outlier): not drawn
  const largest = (values, start) => values.reduce((m, v) => (v === null ? m : Math.max(m, Math.abs(v))), start);
  const xmax = largest(spec.x, Math.max(spec.lfc * 1.5, 1)) * 1.08;
  const ymax = largest(y, 1) * 1.08;
  const pad = { left: 52, right: 14, top: 12, bottom: 36 };
  let selected = -1;

  function hit(i) {
    return spec.padj[i] !== null && spec.padj[i] < spec.alpha && Math.abs(spec.x[i]) >= spec.lfc;
  }

  function ticks(max, count) {
    const raw = max / count;
    const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw);
    const out = [];
    for (let t = 0; t <= max; t += step) out.push(Math.round(t * 1e6) / 1e6);
    return out;
  }

  function draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const sx = (v) => pad.left + ((v + xmax) / (2 * xmax)) * (width - pad.left - pad.right);
    const sy = (v) => height - pad.bottom - (v / ymax) * (height - pad.top - pad.bottom);
    g.strokeStyle = "#8c959f";
    g.fillStyle = "#57606a";
    g.font = "12px system-ui, sans-serif";
    g.beginPath();
    g.moveTo(pad.left, pad.top);
    g.lineTo(pad.left, height - pad.bottom);
    g.lineTo(width - pad.right, height - pad.bottom);
    g.stroke();
    g.textAlign = "center";
    for (const t of ticks(xmax, 4)) {
      for (const v of t === 0 ? [0] : [-t, t]) g.fillText(String(v), sx(v), height - pad.bottom + 14);
    }
    g.fillText(spec.xlabel, (pad.left + width - pad.right) / 2, height - 4);
    g.textAlign = "right";
    for (const t of ticks(ymax, 4)) g.fillText(String(t), pad.left - 6, sy(t) + 4);
    g.save();
    g.translate(14, (pad.top + height - pad.bottom) / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = "center";
    g.fillText(spec.ylabel, 0, 0);
    g.restore();
    g.setLineDash([4, 3]);
    if (spec.lfc > 0) {
      for (const v of [-spec.lfc, spec.lfc]) {
        g.beginPath();
        g.moveTo(sx(v), pad.top);
        g.lineTo(sx(v), height - pad.bottom);
        g.stroke();
      }
    }
    g.setLineDash([]);
    const colors = { up: "#d55e00", down: "#0072b2", none: "#afb8c1" };
    for (const pass of ["none", "hit"]) {
      for (let i = 0; i < n; i++) {
        if (y[i] === null || spec.x[i] === null || (pass === "hit") !== hit(i)) continue;
        g.fillStyle = pass === "hit" ? (spec.x[i] > 0 ? colors.up : colors.down) : colors.none;
        g.fillRect(sx(spec.x[i]) - 1.5, sy(y[i]) - 1.5, 3, 3);
      }
    }
    if (selected >= 0 && y[selected] !== null) {
      const px = sx(spec.x[selected]), py = sy(y[selected]);
      g.strokeStyle = "#1f2328";
      g.lineWidth = 2;
      g.beginPath();
      g.arc(px, py, 6, 0, 2 * Math.PI);
      g.stroke();
      g.fillStyle = "#1f2328";
      g.font = "bold 13px system-ui, sans-serif";
      g.textAlign = px > width / 2 ? "right" : "left";
      g.fillText(spec.label[selected], px + (px > width / 2 ? -10 : 10), py - 8);
    }
    canvas.degseaScale = { sx, sy };
  }

  function select(i) {
    selected = i;
    draw();
    if (i < 0) return;
    const where = y[i] === null ? "not on the volcano (no p-value)" : `log2FC ${spec.x[i]}, −log10 p ${y[i]}`;
    help.textContent = `${spec.label[i]} (${spec.id[i]}): ${where}. Click another row or point to move the mark.`;
  }

  const index = new Map(spec.id.map((id, i) => [id, i]));
  document.addEventListener("click", (event) => {
    const row = event.target.closest("table.dataTable tbody tr");
    if (!row || !row.cells.length) return;
    const i = index.get(row.cells[0].textContent.trim());
    if (i === undefined) return;
    document.querySelectorAll("tr.degsea-selected").forEach((r) => r.classList.remove("degsea-selected"));
    row.classList.add("degsea-selected");
    select(i);
  });
  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    const cx = event.clientX - box.left, cy = event.clientY - box.top;
    const { sx, sy } = canvas.degseaScale;
    let best = -1, bestDistance = 64;
    for (let i = 0; i < n; i++) {
      if (y[i] === null || spec.x[i] === null) continue;
      const d = (sx(spec.x[i]) - cx) ** 2 + (sy(y[i]) - cy) ** 2;
      if (d < bestDistance) { best = i; bestDistance = d; }
    }
    if (best < 0) return;
    select(best);
    const search = document.querySelector("div.dt-search input, .dataTables_filter input");
    if (search) {
      search.value = spec.id[best];
      search.dispatchEvent(new Event("input", { bubbles: true }));
      search.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    }
  });
  window.addEventListener("resize", draw);
  draw();
})();
