/** The minimal shape of an OpenAPI document this page reads. */
export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  paths: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        description?: string;
        tags?: string[];
        parameters?: { name: string; in: string; required?: boolean }[];
        responses?: Record<string, unknown>;
      }
    >
  >;
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** A readable index of every operation, for people; machines read /docs/json. */
export function apiReferencePage(doc: OpenApiDocument): string {
  const rows = Object.entries(doc.paths)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, op]) => {
        const params = (op.parameters ?? [])
          .map((p) => `${p.name} (${p.in}${p.required === true ? ', required' : ''})`)
          .join(', ');
        const statuses = Object.keys(op.responses ?? {}).join(' ');
        return `<tr><td><code>${escapeHtml(method.toUpperCase())}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? op.description ?? '')}</td><td>${escapeHtml(params)}</td><td>${escapeHtml(statuses)}</td></tr>`;
      }),
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code{font-size:.95em}</style>
</head><body><main>
<h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>
<p>${escapeHtml(doc.info.description ?? '')}</p>
<p>The machine-readable description: <a href="/docs/json">/docs/json</a> (OpenAPI 3.1).</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th><th>parameters</th><th>responses</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></main></body></html>`;
}
