// degsea report page: the page body is stored gzip-compressed (base64) to keep the report small;
// inflate it with the browser's own DecompressionStream and write it as the document.
(async () => {
  const status = document.getElementById("degsea-status");
  try {
    const packed = document.getElementById("degsea-packed").textContent.trim();
    const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    const html = await new Response(stream).text();
    document.open();
    document.write(html);
    document.close();
  } catch (error) {
    status.textContent = "This browser could not unpack the table (" + error + "). Open the TSV file named above instead.";
  }
})();
