'use strict';
// Shared by the README tests: the code blocks of a markdown file, and the sample catalog the
// examples read.
const fs = require('node:fs');

/** The fenced code blocks of a markdown file: { line, lang, fragment, code }. */
function codeBlocks(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(open[1]));
    const before = lines.slice(0, i).reverse().find((l) => l.trim() !== '') ?? '';
    blocks.push({
      line: i + 1,
      lang: open[2].toLowerCase(),
      fragment: /^<!--\s*fragment\b/.test(before.trim()) || /\bfragment\b/.test(open[3]),
      code: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

const CATALOG = `<?xml version="1.0" encoding="UTF-8"?>
<NewReleaseMessage>
  <ReleaseList>
    <Release><ReleaseId><ICPN>0602445790128</ICPN></ReleaseId><Title>First</Title></Release>
    <Release><ReleaseId><ICPN>0602445790135</ICPN></ReleaseId><Title>Second</Title></Release>
  </ReleaseList>
</NewReleaseMessage>
`;

const CATALOG_ICPNS = ['0602445790128', '0602445790135'];

module.exports = { codeBlocks, CATALOG, CATALOG_ICPNS };
