'use strict';
// Deterministic generator of a DDEX-ERN-4.3-like catalog, and of the same releases as JSON.
//
//   node benchmark/generate.js <out.xml|out.json|out.ndjson> <sizeMiB> [--shape plain|xml]
//   require('./generate').generate(file, targetBytes) -> Promise<{bytes, releases}>
//   require('./generate').generateJson(file, targetBytes, 'json' | 'ndjson', 'plain' | 'xml') -> same
//
// The output is exactly `targetBytes` long (for targets above a few hundred KiB) and
// byte-identical for the same target, so callers can reuse a file by checking its size.

const fs = require('node:fs');
const path = require('node:path');
const { once } = require('node:events');

const SEED = 0x5eed1ce;
const FLUSH_AT = 256 * 1024; // characters buffered before a write()

// xorshift32: tiny, fast, and identical on every platform (Math.random is not seedable).
function makeRng(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  return next;
}

const ASCII = ['Midnight', 'Rain', 'Echo', 'Summer', 'Velvet', 'River', 'Neon', 'Golden', 'Hour',
  'Static', 'Paper', 'Moon', 'Wild', 'Heart', 'Signal', 'Glass', 'Ocean', 'Fire', 'Quiet', 'Storm',
  'Electric', 'Dream', 'Shadow', 'Light', 'Road', 'Home', 'Satellite', 'Winter', 'City', 'Bloom',
  'Parade', 'Northern', 'Ghost', 'Lovers', 'Machine', 'Sugar', 'Coast', 'Tonight', 'Runaway', 'Blue'];
const LATIN = ['Café', 'Niño', 'Ångström', 'Łódź', 'Señorita', 'Übermut', 'Garçon', 'Fjörð', 'Ærø',
  'Crème', 'Brûlée', 'São Paulo', 'Málaga', 'Déjà vu', 'Naïve', 'Øresund', 'Straße', 'Żółć', 'Príncipe'];
const CJK = ['夜明け', '東京', '音楽', '春の歌', 'さくら', '月光', '北京', '사랑', '서울', '夢', '星空', '風の声', '青い鳥'];
const CYRILLIC = ['Москва', 'Звезда', 'Ночь', 'Песня', 'Любовь', 'Река', 'Весна', 'Белый', 'Город', 'Ветер'];
const EMOJI = ['🎵', '🔥', '🌙', '💿', '🎸', '✨', '🌊', '🎧', '🚀', '🦋'];
const FIRST = ['Anna', 'Åsa', 'Zoë', 'José', 'Mika', 'Noah', 'Léa', 'Дмитрий', 'Ольга', '太郎', '美咲',
  'Chloé', 'Björn', 'Kai', 'Ines', 'Søren', 'Liam', 'Jiří', 'Ana', 'Oskar'];
const LAST = ['Ström', 'Núñez', 'Walker', 'Kowalczyk', 'Волков', 'Иванова', '山田', '佐藤', 'Dubois',
  'Ólafsson', 'Grün', 'Rivera', 'Okafor', 'Novák', 'Lindqvist', 'Moreau', 'Park', 'Smith'];
const BANDS = ['The Velvet Hours', 'Neon & Rain', 'Sigur Ævintýri', 'Группа Звезда', '東京ナイツ',
  'Los Niños', 'Paper <Moons>', 'Static Bloom', 'Golden Coast', 'Ghost Parade'];
const LABELS = ['Northern Lights Records', 'Foo & Bar Music', 'Café Noir Disques', 'Москва Рекордс',
  '青い鳥 Records', 'Blue Harbor <Indie>', 'Signal & Noise Ltd'];
const GENRES = [['Pop', 'Synthpop'], ['Rock', 'Indie Rock'], ['Electronic', 'House'], ['Jazz', 'Bebop'],
  ['Classical', 'Baroque'], ['Hip-Hop', 'Trap'], ['Folk', 'Nordic Folk'], ['World', 'J-Pop'], ['R&B', 'Soul']];
const LANGS = ['en', 'fr', 'de', 'ja-Jpan', 'ru-Cyrl', 'es', 'sv', 'ko-Kore'];
const RELEASE_TYPES = ['Album', 'Single', 'EP', 'Album', 'Album'];
const ROLES = ['MainArtist', 'FeaturedArtist', 'Artist', 'Remixer'];
const WARNINGS = ['NotExplicit', 'Explicit', 'NoAdviceAvailable'];
const MODELS = ['SubscriptionModel', 'AdvertisementSupportedModel', 'PayAsYouGoModel'];
const USES = [['Stream', 'OnDemandStream'], ['PermanentDownload'], ['Stream', 'NonInteractiveStream', 'ConditionalDownload']];
const COMMENTS = ['checked by ingest', 'territory override pending', 'legacy id kept for reconciliation',
  'artwork updated & re-delivered'];

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const NEEDS_ESCAPE = /[&<>]/;
function esc(s) {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[&<>]/g, (c) => ESCAPES[c]) : s;
}

function pad(n, width) {
  return String(n).padStart(width, '0');
}

function word(rng) {
  const r = rng();
  if (r < 0.55) return rng.pick(ASCII);
  if (r < 0.7) return rng.pick(LATIN);
  if (r < 0.82) return rng.pick(CJK);
  if (r < 0.94) return rng.pick(CYRILLIC);
  return rng.pick(EMOJI);
}

function title(rng) {
  let t = word(rng);
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    const r = rng();
    t += r < 0.08 ? ' & ' : r < 0.12 ? ' <3 ' : ' ';
    t += word(rng);
  }
  return t;
}

function person(rng) {
  return rng() < 0.3 ? rng.pick(BANDS) : `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
}

function date(rng) {
  return `${1990 + rng.int(35)}-${pad(1 + rng.int(12), 2)}-${pad(1 + rng.int(28), 2)}`;
}

function duration(rng, minSeconds, spanSeconds) {
  const s = minSeconds + rng.int(spanSeconds);
  return `PT${Math.floor(s / 3600)}H${Math.floor(s / 60) % 60}M${s % 60}S`;
}

function header(partyCount, rng) {
  let x = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43"' +
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
    ' xsi:schemaLocation="http://ddex.net/xml/ern/43 http://ddex.net/xml/ern/43/release-notification.xsd"' +
    " LanguageAndScriptCode='en' AvsVersionId=\"2023\">\n" +
    '  <MessageHeader>\n' +
    '    <MessageThreadId>SLUICE-BENCH-0001</MessageThreadId>\n' +
    '    <MessageId>MSG-20240101-000001</MessageId>\n' +
    '    <MessageSender>\n' +
    '      <PartyId>PADPIDA2014120301U</PartyId>\n' +
    '      <PartyName>\n        <FullName>Sluice Bench Distribution &amp; Co</FullName>\n      </PartyName>\n' +
    '    </MessageSender>\n' +
    '    <MessageRecipient>\n' +
    '      <PartyId>PADPIDA2015090801Z</PartyId>\n' +
    '      <PartyName>\n        <FullName>Example Streaming Service</FullName>\n      </PartyName>\n' +
    '    </MessageRecipient>\n' +
    '    <MessageCreatedDateTime>2024-01-01T00:00:00Z</MessageCreatedDateTime>\n' +
    '    <MessageControlType>TestMessage</MessageControlType>\n' +
    '  </MessageHeader>\n' +
    '  <PartyList>\n';
  for (let i = 1; i <= partyCount; i++) {
    x += `    <Party>\n      <PartyReference>P${i}</PartyReference>\n` +
      `      <PartyName LanguageAndScriptCode="${rng.pick(LANGS)}">\n` +
      `        <FullName>${esc(person(rng))}</FullName>\n      </PartyName>\n    </Party>\n`;
  }
  return x + '  </PartyList>\n  <ResourceList>\n';
}

function soundRecording(i, partyCount, rng) {
  const t = esc(title(rng));
  const year = 1990 + rng.int(35);
  return '    <SoundRecording>\n' +
    `      <ResourceReference>A${i}</ResourceReference>\n` +
    '      <Type>MusicalWorkSoundRecording</Type>\n' +
    '      <SoundRecordingEdition>\n' +
    `        <ResourceId>\n          <ISRC>GB${rng.pick(['AYE', 'UM7', 'SMU', 'WMG'])}${pad(year % 100, 2)}${pad(i % 100000, 5)}</ISRC>\n        </ResourceId>\n` +
    `        <PLine>\n          <Year>${year}</Year>\n          <PLineText>(P) ${year} ${esc(rng.pick(LABELS))}</PLineText>\n        </PLine>\n` +
    '      </SoundRecordingEdition>\n' +
    `      <DisplayTitleText LanguageAndScriptCode="${rng.pick(LANGS)}">${t}</DisplayTitleText>\n` +
    `      <DisplayTitle ApplicableTerritoryCode="Worldwide" IsDefault="true">\n        <TitleText>${t}</TitleText>\n      </DisplayTitle>\n` +
    `      <DisplayArtistName>${esc(person(rng))}</DisplayArtistName>\n` +
    `      <DisplayArtist SequenceNumber="1">\n        <ArtistPartyReference>P${1 + rng.int(partyCount)}</ArtistPartyReference>\n` +
    '        <DisplayArtistRole>MainArtist</DisplayArtistRole>\n      </DisplayArtist>\n' +
    `      <Duration>${duration(rng, 90, 400)}</Duration>\n` +
    `      <ParentalWarningType>${rng.pick(WARNINGS)}</ParentalWarningType>\n` +
    `      <LanguageOfPerformance>${rng.pick(LANGS)}</LanguageOfPerformance>\n` +
    '    </SoundRecording>\n';
}

// Draws one release: every random choice, in a fixed order, and nothing format-specific.
// releaseXml and releaseJson render the same draw, so release N is the same record in
// every format (for the same target size, see prelude).
function drawRelease(i, partyCount, resourceCount, rng) {
  const r = { i, title: title(rng), year: 1990 + rng.int(35), label: rng.pick(LABELS), genre: rng.pick(GENRES) };
  r.type = rng.pick(RELEASE_TYPES);
  r.icpn = `50${pad(rng.int(1e9), 9)}${pad(i % 100, 2)}`;
  r.titleLanguage = rng.pick(LANGS);
  r.altTitle = null;
  if (rng() < 0.3) {
    const language = rng.pick(LANGS);
    r.altTitle = { language, text: title(rng) };
  }
  r.subtitle = rng() < 0.5
    ? rng.pick(['Deluxe Edition', 'Remastered 2024', 'Live in Łódź', 'Édition Spéciale', 'Radio Edit'])
    : null;
  const artists = 1 + rng.int(3);
  r.displayArtistName = person(rng);
  r.artists = [];
  for (let a = 1; a <= artists; a++) {
    const partyReference = `P${1 + rng.int(partyCount)}`;
    r.artists.push({ partyReference, role: a === 1 ? 'MainArtist' : rng.pick(ROLES) });
  }
  r.labelReference = `PL${1 + rng.int(7)}`;
  r.duration = duration(rng, 600, 4000);
  const month = pad(1 + rng.int(12), 2);
  r.releaseDate = `${r.year}-${month}-${pad(1 + rng.int(28), 2)}`;
  r.parentalWarning = rng.pick(WARNINGS);
  r.comment = rng() < 0.25 ? `${rng.pick(COMMENTS)} (R${i})` : null;
  const tracks = 1 + rng.int(5);
  r.tracks = [];
  for (let k = 1; k <= tracks; k++) r.tracks.push(`A${1 + rng.int(resourceCount)}`);
  const k1 = word(rng);
  r.keywords = [k1, word(rng), r.genre[1]];
  const s1 = title(rng);
  const s2 = rng.pick(['a record about', 'songs for', 'music from', 'notes on']);
  r.synopsis = `${s1} — ${s2} ${title(rng)}`;
  r.synopsisCdata = rng() < 0.2;
  r.synopsisTail = word(rng);
  return r;
}

function releaseXml(r) {
  const { i, year } = r;
  let x = '    <Release>\n' +
    `      <ReleaseReference>R${i}</ReleaseReference>\n` +
    `      <ReleaseType>${r.type}</ReleaseType>\n` +
    '      <ReleaseId>\n' +
    `        <ICPN>${r.icpn}</ICPN>\n` +
    `        <ProprietaryId Namespace="DPID:PADPIDA2014120301U">CAT-${pad(i, 8)}</ProprietaryId>\n` +
    '      </ReleaseId>\n' +
    `      <DisplayTitleText LanguageAndScriptCode="${r.titleLanguage}">${esc(r.title)}</DisplayTitleText>\n`;
  if (r.altTitle) {
    x += `      <DisplayTitleText LanguageAndScriptCode='${r.altTitle.language}' IsDefault='false'>${esc(r.altTitle.text)}</DisplayTitleText>\n`;
  }
  x += '      <DisplayTitle ApplicableTerritoryCode="Worldwide" IsDefault="true">\n' +
    `        <TitleText>${esc(r.title)}</TitleText>\n`;
  if (r.subtitle) x += `        <SubTitle SubTitleType="Version">${r.subtitle}</SubTitle>\n`;
  x += '      </DisplayTitle>\n';
  x += `      <DisplayArtistName>${esc(r.displayArtistName)}</DisplayArtistName>\n`;
  r.artists.forEach((artist, n) => {
    x += `      <DisplayArtist SequenceNumber="${n + 1}">\n` +
      `        <ArtistPartyReference>${artist.partyReference}</ArtistPartyReference>\n` +
      `        <DisplayArtistRole>${artist.role}</DisplayArtistRole>\n` +
      '      </DisplayArtist>\n';
  });
  x += `      <ReleaseLabelReference>${r.labelReference}</ReleaseLabelReference>\n` +
    `      <PLine>\n        <Year>${year}</Year>\n        <PLineText>(P) ${year} ${esc(r.label)}</PLineText>\n      </PLine>\n` +
    `      <Duration>${r.duration}</Duration>\n` +
    `      <Genre ApplicableTerritoryCode='Worldwide'>\n        <GenreText>${esc(r.genre[0])}</GenreText>\n` +
    `        <SubGenre>${esc(r.genre[1])}</SubGenre>\n      </Genre>\n` +
    `      <ReleaseDate IsApproximate='false' ApplicableTerritoryCode="Worldwide">${r.releaseDate}</ReleaseDate>\n` +
    `      <ParentalWarningType>${r.parentalWarning}</ParentalWarningType>\n`;
  if (r.comment) x += `      <!-- ${r.comment} -->\n`;
  x += '      <ResourceGroup>\n        <ResourceGroup>\n          <SequenceNumber>1</SequenceNumber>\n';
  r.tracks.forEach((ref, n) => {
    x += '          <ResourceGroupContentItem>\n' +
      `            <SequenceNumber>${n + 1}</SequenceNumber>\n` +
      `            <ReleaseResourceReference>${ref}</ReleaseResourceReference>\n` +
      '          </ResourceGroupContentItem>\n';
  });
  x += '        </ResourceGroup>\n      </ResourceGroup>\n' +
    `      <Keywords>${r.keywords.map(esc).join(', ')}</Keywords>\n`;
  // CDATA holds raw markup characters that must not be decoded as entities.
  x += r.synopsisCdata
    ? `      <Synopsis><![CDATA[${r.synopsis} <b>&</b> ${r.synopsisTail}]]></Synopsis>\n`
    : `      <Synopsis>${esc(r.synopsis)} &amp; ${esc(r.synopsisTail)}</Synopsis>\n`;
  return x + '    </Release>\n';
}

// The same release as a plain object with natural JSON types (numbers, booleans, arrays for
// repeated items). Its strings are the XML's decoded text, so contenders/common.js
// jsonReleaseChecksum(releaseJson(r)) equals releaseChecksum(<the parsed XML element>).
function releaseJson(r) {
  const titles = [{ text: r.title, language: r.titleLanguage }];
  if (r.altTitle) titles.push({ text: r.altTitle.text, language: r.altTitle.language, isDefault: false });
  const displayTitle = { territory: 'Worldwide', isDefault: true, text: r.title };
  if (r.subtitle) displayTitle.subtitle = { type: 'Version', text: r.subtitle };
  const rel = {
    reference: `R${r.i}`,
    type: r.type,
    ids: { icpn: r.icpn, proprietary: { namespace: 'DPID:PADPIDA2014120301U', value: `CAT-${pad(r.i, 8)}` } },
    titles,
    displayTitle,
    displayArtistName: r.displayArtistName,
    artists: r.artists.map((a, n) => ({ sequence: n + 1, partyReference: a.partyReference, role: a.role })),
    labelReference: r.labelReference,
    pLine: { year: r.year, text: `(P) ${r.year} ${r.label}` },
    duration: r.duration,
    genre: { territory: 'Worldwide', genre: r.genre[0], subGenre: r.genre[1] },
    releaseDate: { date: r.releaseDate, isApproximate: false, territory: 'Worldwide' },
    parentalWarning: r.parentalWarning,
  };
  if (r.comment) rel.comment = r.comment;
  rel.resourceGroups = [{
    sequence: 1,
    items: r.tracks.map((ref, n) => ({ sequence: n + 1, resourceReference: ref })),
  }];
  rel.keywords = r.keywords;
  rel.synopsis = r.synopsisCdata ? `${r.synopsis} <b>&</b> ${r.synopsisTail}` : `${r.synopsis} & ${r.synopsisTail}`;
  return rel;
}

// The same release in the shape XmlStream gives the XML element (fast-xml-parser's
// conventions with `@` for attributes): every value a string, text beside attributes under
// `#text`, repeated elements as arrays, comments dropped. It is the JSON an XML catalog
// becomes, with many short values and long keys; contenders/common.js jsonReleaseChecksum
// gives it the same number as releaseJson's object.
function releaseXmlShaped(r) {
  const one = (list) => (list.length === 1 ? list[0] : list);
  const titles = [{ '@LanguageAndScriptCode': r.titleLanguage, '#text': r.title }];
  if (r.altTitle) {
    titles.push({ '@LanguageAndScriptCode': r.altTitle.language, '@IsDefault': 'false', '#text': r.altTitle.text });
  }
  const displayTitle = { '@ApplicableTerritoryCode': 'Worldwide', '@IsDefault': 'true', TitleText: r.title };
  if (r.subtitle) displayTitle.SubTitle = { '@SubTitleType': 'Version', '#text': r.subtitle };
  return {
    ReleaseReference: `R${r.i}`,
    ReleaseType: r.type,
    ReleaseId: {
      ICPN: r.icpn,
      ProprietaryId: { '@Namespace': 'DPID:PADPIDA2014120301U', '#text': `CAT-${pad(r.i, 8)}` },
    },
    DisplayTitleText: one(titles),
    DisplayTitle: displayTitle,
    DisplayArtistName: r.displayArtistName,
    DisplayArtist: one(r.artists.map((a, n) => ({
      '@SequenceNumber': String(n + 1),
      ArtistPartyReference: a.partyReference,
      DisplayArtistRole: a.role,
    }))),
    ReleaseLabelReference: r.labelReference,
    PLine: { Year: String(r.year), PLineText: `(P) ${r.year} ${r.label}` },
    Duration: r.duration,
    Genre: { '@ApplicableTerritoryCode': 'Worldwide', GenreText: r.genre[0], SubGenre: r.genre[1] },
    ReleaseDate: { '@IsApproximate': 'false', '@ApplicableTerritoryCode': 'Worldwide', '#text': r.releaseDate },
    ParentalWarningType: r.parentalWarning,
    ResourceGroup: {
      ResourceGroup: {
        SequenceNumber: '1',
        ResourceGroupContentItem: one(r.tracks.map((ref, n) => ({
          SequenceNumber: String(n + 1),
          ReleaseResourceReference: ref,
        }))),
      },
    },
    Keywords: r.keywords.join(', '),
    Synopsis: r.synopsisCdata ? `${r.synopsis} <b>&</b> ${r.synopsisTail}` : `${r.synopsis} & ${r.synopsisTail}`,
  };
}

function deal(i, rng) {
  const uses = rng.pick(USES);
  let x = '    <ReleaseDeal>\n' +
    `      <DealReleaseReference>R${i}</DealReleaseReference>\n` +
    '      <Deal>\n        <DealTerms>\n' +
    `          <TerritoryCode>${rng.pick(['Worldwide', 'GB', 'US', 'JP', 'DE'])}</TerritoryCode>\n` +
    `          <ValidityPeriod>\n            <StartDate>${date(rng)}</StartDate>\n          </ValidityPeriod>\n` +
    `          <CommercialModelType>${rng.pick(MODELS)}</CommercialModelType>\n`;
  for (const u of uses) x += `          <UseType>${u}</UseType>\n`;
  return x + '        </DealTerms>\n      </Deal>\n    </ReleaseDeal>\n';
}

// Buffers strings into large write()s and waits for 'drain'; counts the bytes written.
function writer(filePath) {
  const out = fs.createWriteStream(filePath);
  let pending = '';
  const w = {
    bytes: 0,
    async write(s) {
      pending += s;
      w.bytes += Buffer.byteLength(s);
      if (pending.length >= FLUSH_AT) {
        const chunk = pending;
        pending = '';
        if (!out.write(chunk)) await once(out, 'drain');
      }
    },
    async end() {
      out.end(pending);
      await once(out, 'finish');
    },
  };
  return w;
}

// The message header and the resource list (about a fifth of the XML file), passed to
// `write`. The JSON generators draw them too and throw them away, so that the RNG reaches
// the releases in the same state: a JSON catalog's release N equals release N of the XML
// catalog of the same target size.
async function prelude(targetBytes, rng, write) {
  const partyCount = Math.max(20, Math.min(300, Math.floor(targetBytes / 20000)));
  let bytes = 0;
  const put = (s) => {
    bytes += Buffer.byteLength(s);
    return write(s);
  };
  await put(header(partyCount, rng));
  let resources = 0;
  while (bytes < targetBytes * 0.2 || resources === 0) {
    await put(soundRecording(++resources, partyCount, rng));
  }
  return { partyCount, resources };
}

/**
 * Writes a catalog of exactly `targetBytes` bytes to `filePath` (streamed, constant memory).
 * Resolves to {bytes, releases}.
 */
async function generate(filePath, targetBytes) {
  targetBytes = Math.floor(targetBytes);
  const out = writer(filePath);
  const rng = makeRng(SEED);
  const { partyCount, resources } = await prelude(targetBytes, rng, out.write);
  await out.write('  </ResourceList>\n  <ReleaseList>\n');

  // Deals come after all releases, so their size is measured now with a twin RNG and
  // regenerated later from the same seed instead of being held in memory.
  const DEAL_SEED = SEED ^ 0xdea1;
  const dealProbe = makeRng(DEAL_SEED);
  const tail = '  </ReleaseList>\n  <DealList>\n';
  const end = '  </DealList>\n</ern:NewReleaseMessage>\n';
  let dealBytes = Buffer.byteLength(tail) + Buffer.byteLength(end);
  let releases = 0;
  for (;;) {
    const r = releaseXml(drawRelease(releases + 1, partyCount, resources, rng));
    const d = Buffer.byteLength(deal(releases + 1, dealProbe));
    if (releases > 0 && out.bytes + Buffer.byteLength(r) + dealBytes + d > targetBytes) break;
    releases++;
    dealBytes += d;
    await out.write(r);
  }

  await out.write(tail);
  const dealRng = makeRng(DEAL_SEED);
  for (let i = 1; i <= releases; i++) await out.write(deal(i, dealRng));
  // Whitespace padding makes the size exact, which lets callers detect a reusable file.
  const fill = targetBytes - out.bytes - Buffer.byteLength(end);
  if (fill > 0) await out.write(' '.repeat(fill - 1) + '\n');
  await out.write(end);

  const { bytes } = out;
  await out.end();
  return { bytes, releases };
}

const discard = async () => {};

/**
 * Writes the same releases as JSON, exactly `targetBytes` long (streamed, constant memory):
 *   format 'json':   {"releases":[\n{...},\n{...}\n]}\n   (compact, one release per line)
 *   format 'ndjson': {...}\n{...}\n                         (one release per line)
 * The padding that makes the size exact is spaces after the last release, which is
 * insignificant whitespace in both formats (no blank lines). `shape` is 'plain' (releaseJson,
 * natural JSON types) or 'xml' (releaseXmlShaped, the XML element's strings).
 * Resolves to {bytes, releases}.
 */
async function generateJson(filePath, targetBytes, format = 'json', shape = 'plain') {
  if (format !== 'json' && format !== 'ndjson') throw new Error(`unknown format ${format}`);
  if (shape !== 'plain' && shape !== 'xml') throw new Error(`unknown shape ${shape}`);
  const render = shape === 'xml' ? releaseXmlShaped : releaseJson;
  targetBytes = Math.floor(targetBytes);
  const ndjson = format === 'ndjson';
  const out = writer(filePath);
  const rng = makeRng(SEED);
  const { partyCount, resources } = await prelude(targetBytes, rng, discard);

  const open = ndjson ? '' : '{"releases":[\n';
  const sep = ndjson ? '\n' : ',\n';
  const close = ndjson ? '\n' : '\n]}\n';
  await out.write(open);
  const reserved = Buffer.byteLength(close);
  let releases = 0;
  for (;;) {
    const line = (releases > 0 ? sep : '') +
      JSON.stringify(render(drawRelease(releases + 1, partyCount, resources, rng)));
    if (releases > 0 && out.bytes + Buffer.byteLength(line) + reserved > targetBytes) break;
    releases++;
    await out.write(line);
  }
  const fill = targetBytes - out.bytes - reserved;
  if (fill > 0) await out.write(' '.repeat(fill));
  await out.write(close);

  const { bytes } = out;
  await out.end();
  return { bytes, releases };
}

module.exports = { generate, generateJson };

if (require.main === module) {
  const [file, sizeMiB, shapeFlag, shape = 'plain'] = process.argv.slice(2);
  const format = file && path.extname(file).slice(1);
  if (!file || !(Number(sizeMiB) > 0) || !['xml', 'json', 'ndjson'].includes(format) ||
    (shapeFlag !== undefined && shapeFlag !== '--shape')) {
    console.error('usage: node benchmark/generate.js <out.xml|out.json|out.ndjson> <sizeMiB> [--shape plain|xml]');
    process.exit(2);
  }
  const t0 = process.hrtime.bigint();
  const target = Number(sizeMiB) * 1024 * 1024;
  const done = format === 'xml' ? generate(file, target) : generateJson(file, target, format, shape);
  done.then(({ bytes, releases }) => {
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`${file}: ${bytes} bytes, ${releases} releases, ${s.toFixed(1)} s`);
  }, (err) => {
    console.error(err);
    process.exit(1);
  });
}
