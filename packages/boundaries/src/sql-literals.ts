import ts from 'typescript';

/**
 * The text of every string and template literal in a TypeScript source, each with the line it
 * starts on; a template's `${…}` parts become a space. Comments and code are never read as SQL.
 */
export function sqlLiterals(fileName: string, text: string): { text: string; line: number }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: { text: string; line: number }[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      found.push({ text: node.text, line: lineOf(node) });
    } else if (ts.isTemplateExpression(node)) {
      found.push({
        text: [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(' '),
        line: lineOf(node),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
