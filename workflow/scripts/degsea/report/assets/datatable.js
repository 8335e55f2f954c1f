// degsea report table page: start DataTables (itables' offline bundle, carried as text) on the table.
const bundle = document.getElementById("degsea-dt-bundle").textContent;
const url = URL.createObjectURL(new Blob([bundle], { type: "text/javascript" }));
const { ITable } = await import(url);
URL.revokeObjectURL(url);
const args = JSON.parse(document.getElementById("degsea-dt-args").textContent);
new ITable(document.getElementById("degsea_table"), args);
