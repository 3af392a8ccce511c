// Generates tests/jsonata/regex_cases.json: each pattern run by JavaScript (node) itself, all matches with groups.
// Usage: node tests/jsonata/regex_cases.js > tests/jsonata/regex_cases.json
const cases = [
  ['a+', '', 'caaat'], ['(a)|(b)', '', 'xb'], ['a*?', '', 'aaa'], ['(\\d+)-(\\d+)', '', 'tel 12-345 and 6-7'],
  ['\\bfoo\\b', '', 'foo food foo'], ['^ab', 'm', 'ab\nab'], ['ab$', '', 'ab\nab'], ['ab$', 'm', 'ab\nab'],
  ['[^]', '', 'x'], ['[a-c]+', 'i', 'xxABCcbay'], ['\\s+', '', 'a \u00a0\u2028 b'], ['.', '', '\n\r\u2028x'],
  ['(?=ab)a', '', 'aab'], ['(?!a)\\w', '', 'aab'], ['(?<=\\$)\\d+', '', 'cost $42'], ['(?<!\\$)\\b\\d+', '', '$42 17'],
  ['(a)\\1', '', 'xaay'], ['\\1(a)', '', 'aa'], ['(?<y>\\d{4})-\\k<y>', '', '2020-2020'], ['a{2,3}', '', 'aaaaaaa'],
  ['a{2,}?', '', 'aaaa'], ['x{', '', 'ax{b'], ['\\q', '', 'q'], ['[\\d-z]+', '', '1-z'], ['\\x41\\u0042', '', 'zAB'],
  ['(a*)*b', '', 'aaab'], ['(a|ab)(c|bcd)(d*)', '', 'abcd'], ['\u00e9', 'i', '\u00c9t\u00e9'], ['\\cJ', '', 'a\nb'],
  ['(z)((a+)?(b+)?(c))*', '', 'zaacbbbcac'], ['[\\b]', '', 'a\bb'], ['\\0', '', 'a\u0000'], ['\\101', '', 'A'],
  ['😀|a', '', 'x😀a'], ['(?:ab)+', '', 'ababx'], ['a.c', 's'.replace('s',''), 'abc a\nc'], ['\\W+', '', 'ab, cd'],
];
const out = [];
for (const [p, f, s] of cases) {
  const re = new RegExp(p, f + 'g');
  const ms = [];
  let m;
  let guard = 0;
  while ((m = re.exec(s)) !== null && guard++ < 20) {
    ms.push([m.index, m[0].length, Array.from(m).slice(1).map(g => g === undefined ? null : g)]);
    if (m[0].length === 0) re.lastIndex++;
  }
  out.push({p, f, s, ms});
}
console.log(JSON.stringify(out));
