/** One TwiML verb with its attributes, text and nested verbs (a <Say> inside a <Gather>). */
export interface TwimlVerb {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: TwimlVerb[];
}

export class TwimlError extends Error {}

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const ATTRIBUTE = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * The verbs of a TwiML document's <Response>, in order. A small tolerant parser: TwiML is
 * flat and shallow, and the emulator only needs to follow Say, Gather, Redirect and Hangup.
 */
export function parseTwiml(xml: string): TwimlVerb[] {
  const root: TwimlVerb = { name: '#document', attributes: {}, text: '', children: [] };
  const open: TwimlVerb[] = [root];
  for (const match of xml.matchAll(TOKEN)) {
    const [whole, closing, name, attributeText, selfClosing, text] = match;
    const parent = open[open.length - 1] ?? root;
    if (text !== undefined) {
      parent.text += decodeEntities(text);
    } else if (name === undefined) {
      continue; // a comment or the XML declaration
    } else if (closing === '/') {
      if (parent.name !== name) throw new TwimlError(`</${name}> closes <${parent.name}>`);
      parent.text = parent.text.trim();
      open.pop();
    } else {
      const verb: TwimlVerb = { name, attributes: parseAttributes(attributeText ?? ''), text: '', children: [] };
      parent.children.push(verb);
      if (selfClosing !== '/' && !whole.endsWith('/>')) open.push(verb);
    }
  }
  if (open.length !== 1) throw new TwimlError(`<${open[open.length - 1]?.name ?? '?'}> is never closed`);
  const response = root.children.find((verb) => verb.name === 'Response');
  if (response === undefined) throw new TwimlError('no <Response> element');
  return response.children;
}

function parseAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, name, double, single] of text.matchAll(ATTRIBUTE)) {
    if (name !== undefined) attributes[name] = decodeEntities(double ?? single ?? '');
  }
  return attributes;
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);/gi, (_, entity: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return named[entity.toLowerCase()] ?? '';
  });
}
