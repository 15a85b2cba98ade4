// Demo responders of the reference server (protocol v2 requests and streams, docs/PROTOCOL.md): what the demo
// pages and the tests call. A backend registers its own the same way: `hub.handle(method, run, {stream})`.

const ANSWERS = [
  'A KITAS is the limited stay permit for foreigners in Indonesia. You apply through your sponsor, who files ' +
    'the visa request; after arrival you record your biometrics at the immigration office, and the permit is ' +
    'issued for six or twelve months, renewable while the sponsorship lasts.',
  'A PT PMA is a foreign-owned limited company. It needs at least two shareholders, a business licence under ' +
    'the risk-based system, and paid-up capital as the investment rules set for its business lines.',
];

/** Resolves after `ms`, or rejects when `signal` aborts first. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A number from `v`, else `fallback`, within [min, max]. */
const bounded = (v, fallback, min, max) => Math.min(max, Math.max(min, Number.isFinite(v) ? v : fallback));

/**
 * Registers on `hub`:
 *  - `echo` (request): replies with its data;
 *  - `time` (request): `{now: ISO time}`;
 *  - `slow` (request): replies `{waited: ms}` after `data.ms` (0-10000, default 500);
 *  - `ask` (stream, seed 004's `ask.response`): an assistant's answer word by word, one every `data.delayMs`
 *    (5-1000, default 60), each chunk `{text, index}`; `data.words` cuts it to that many words.
 */
export function registerDemoResponders(hub) {
  hub.handle('echo', (data) => data);
  hub.handle('time', () => ({ now: new Date().toISOString() }));
  hub.handle('slow', async (data, { signal }) => {
    const ms = bounded(data?.ms, 500, 0, 10_000);
    await sleep(ms, signal);
    return { waited: ms };
  });
  hub.handle('ask', async function* ask(data, { signal }) {
    const text = ANSWERS[/pt pma|company/i.test(String(data?.question ?? '')) ? 1 : 0];
    const words = text.split(' ').slice(0, bounded(data?.words, Infinity, 1, 10_000));
    const delay = bounded(data?.delayMs, 60, 5, 1000);
    for (let index = 0; index < words.length; index++) {
      await sleep(delay, signal);
      yield { text: index === 0 ? words[index] : ` ${words[index]}`, index };
    }
  }, { stream: true });
}
