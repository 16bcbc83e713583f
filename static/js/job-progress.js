// The progress of a print job (or an export): polls the job's JSON status until it is finished,
// moves the bar, and shows the download link or the failure and its retry button. The page works
// the same whether the job runs in a Celery worker or in-process (no broker): it only reads the row.
const box = document.getElementById("job");

if (box) {
  const url = box.dataset.statusUrl;
  const bar = document.getElementById("job-bar");
  const percent = document.getElementById("job-percent");
  const status = document.getElementById("job-status");
  const message = document.getElementById("job-message");
  const error = document.getElementById("job-error");
  const download = document.getElementById("job-download");
  const link = document.getElementById("job-download-link");
  const retry = document.getElementById("job-retry");
  let delay = 700;

  const show = (data) => {
    bar.value = data.progress;
    bar.textContent = `${data.progress}%`;
    percent.textContent = data.progress;
    status.textContent = data.status_label;
    status.className = `state state-${data.status}`;
    message.textContent = data.message || "";
    error.textContent = data.error || "";
    error.hidden = !data.error;
    if (data.download) {
      link.href = data.download;
    }
    download.hidden = data.status !== "done";
    if (retry) {
      retry.hidden = data.status !== "failed";
    }
    box.dataset.state = data.status;
  };

  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      const data = await response.json();
      show(data);
      if (data.finished) {
        return;
      }
    } catch (exc) {
      message.textContent = box.dataset.offline;
    }
    delay = Math.min(delay * 1.25, 4000);
    window.setTimeout(poll, delay);
  };

  if (box.dataset.state !== "done" && box.dataset.state !== "failed") {
    window.setTimeout(poll, 300);
  }
}
