/** The check-in pages: small, self-contained HTML that works without JavaScript. */

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export function formatStart(startsAt: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(startsAt);
}

export function checkinPage(options: {
  title: string;
  heading: string;
  body: string;
  form?: { action: string; button: string };
}): string {
  const form =
    options.form === undefined
      ? ''
      : `<form method="post" action="${escapeHtml(options.form.action)}"><button type="submit">${escapeHtml(options.form.button)}</button></form>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(options.title)} · Nudge</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#111;background:#fff}
h1{font-size:1.4rem}button{font-size:1.1rem;padding:.8rem 1.6rem;border:0;border-radius:.4rem;background:#1d4ed8;color:#fff;cursor:pointer}
button:focus{outline:3px solid #f59e0b;outline-offset:2px}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(options.heading)}</h1>
<p>${escapeHtml(options.body)}</p>
${form}
</main>
</body>
</html>`;
}
