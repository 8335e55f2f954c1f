// degsea report table page: start DataTables (itables' offline bundle, carried as JSON text) on the table.
const bundle = JSON.parse(document.getElementById("degsea-dt-bundle").textContent);
const style = document.createElement("style");
style.textContent = bundle.css;
document.head.appendChild(style);
const url = URL.createObjectURL(new Blob([bundle.js], { type: "text/javascript" }));
const { ITable } = await import(url);
URL.revokeObjectURL(url);
const args = JSON.parse(document.getElementById("degsea-dt-args").textContent);
new ITable(document.getElementById("degsea_table"), args);
