import hbs from 'hbs';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Exactly what `{{value}}` does to text in our templates. */
export const escapeLikeTemplates = (text: string): string => hbs.handlebars.Utils.escapeExpression(text);

const VIEWS = join(__dirname, '..', '..', 'views');

function templates(dir = VIEWS): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return templates(path);
    return entry.endsWith('.hbs') ? [readFileSync(path, 'utf8')] : [];
  });
}

const TAG = /<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;

function attributeNames(inside: string): string[] {
  return [...inside.matchAll(ATTRIBUTE)].map((m) => m[1].toLowerCase());
}

let vocabulary: { tags: Set<string>; attributes: Set<string> } | undefined;

/**
 * The tags and attributes our templates can produce: read from views/**.hbs with the Handlebars
 * expressions taken out, plus the attributes that helpers print ("selected", "checked").
 */
export function templateVocabulary(): { tags: Set<string>; attributes: Set<string> } {
  if (vocabulary) return vocabulary;
  const tags = new Set<string>();
  const attributes = new Set<string>(['selected', 'checked']);
  for (const source of templates()) {
    const html = source.replace(/\{\{\{?[\s\S]*?\}?\}\}/g, ' ');
    for (const [, name, inside] of html.matchAll(TAG)) {
      tags.add(name.toLowerCase());
      for (const attribute of attributeNames(inside)) attributes.add(attribute);
    }
  }
  vocabulary = { tags, attributes };
  return vocabulary;
}

/**
 * What on a rendered page could not have come from our templates: an element or attribute no template
 * has, an event handler, a script not from /assets, a javascript: URL. Escaped user text can never
 * produce any of these; unescaped text (`<script>`, `"><img onerror=…>`, `" autofocus onfocus="…`) does.
 * Returns the offending tags (empty when the page is clean).
 */
export function foreignMarkup(html: string): string[] {
  const { tags, attributes } = templateVocabulary();
  const problems: string[] = [];
  for (const [whole, rawName, inside] of html.matchAll(TAG)) {
    const name = rawName.toLowerCase();
    const names = attributeNames(inside);
    const shown = whole.length > 200 ? `${whole.slice(0, 200)}…` : whole;
    if (!tags.has(name)) problems.push(`unknown element: ${shown}`);
    const unknown = names.filter((a) => !attributes.has(a) || a.startsWith('on'));
    if (unknown.length) problems.push(`unknown attribute(s) ${unknown.join(', ')}: ${shown}`);
    if (name === 'script' && !/\ssrc="\/assets\/[^"]*"/.test(inside)) problems.push(`inline or foreign script: ${shown}`);
    if (/\s(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:/i.test(inside)) problems.push(`javascript: URL: ${shown}`);
  }
  return problems;
}

/**
 * Text a stack trace, a driver error or generated SQL would leave on a page, and class-validator's
 * English default messages ("title must be a string"), which no Japanese page should show. TypeORM writes its SQL in
 * upper case; the fuzzer's SQL-looking payloads are lower case, so they do not trip this by themselves.
 */
export const INTERNAL_TEXT =
  /Error:|\bat [\w.<>]+ \(|at \/work|node_modules|\.ts:\d+|\.js:\d+|QueryFailedError|SQLITE_|no such table|does not exist|syntax error at|violates|\bSELECT\b|\bINSERT INTO\b|\bUPDATE "?\w+"? SET\b|\b(?:must|should) (?:not )?(?:be|contain|match)\b/g;

/**
 * Where the page says something internal, with some context; null when it does not. A refused form
 * echoes what was typed, and a message may quote part of it, so a match that is part of what this
 * request sent is not counted.
 */
export function internalText(html: string, sentTexts: string[]): string | null {
  for (const match of html.matchAll(INTERNAL_TEXT)) {
    if (sentTexts.some((text) => text.includes(match[0]))) continue;
    return html.slice(Math.max(0, match.index - 120), match.index + 160);
  }
  return null;
}
