// The official Alipay Node SDK (npm alipay-sdk) against CityService: reads {"jobs":[…]} as JSON on stdin, runs each
// job, writes the results as JSON on stdout. Driven by tests/CityService.Tests/Payments/Alipay/AlipaySdkInteropTests.cs.
'use strict';
const crypto = require('node:crypto');
const { AlipaySdk } = require('alipay-sdk');

function sdk(job) {
  return new AlipaySdk({
    appId: job.appId,
    privateKey: job.appPrivateKey ?? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    keyType: 'PKCS8',
    alipayPublicKey: job.alipayPublicKey,
    gateway: job.gateway ?? 'https://openapi.alipay.com/gateway.do',
    signType: 'RSA2',
    camelcase: false,
  });
}

async function run(job) {
  switch (job.kind) {
    // (a) the SDK as the merchant talking to our simulator; it verifies every answer's signature (validateSign).
    case 'exec': {
      try {
        const result = await sdk(job).exec(job.method, { bizContent: job.bizContent }, { validateSign: true });
        return { ok: true, result };
      } catch (e) {
        return { ok: false, error: String(e.message).slice(0, 300) };
      }
    }
    // (a) the app pay order string as the SDK signs it (the simulator must accept it).
    case 'sdkExec': {
      const orderString = sdk(job).sdkExecute(job.method, { bizContent: job.bizContent, notifyUrl: job.notifyUrl });
      const taken = job.postTo ? await (await fetch(job.postTo, { method: 'POST', body: orderString })).text() : null;
      return { ok: true, orderString, taken };
    }
    // (b) the SDK's own notification verifier on a notification (checkNotifySign and V2) …
    case 'checkNotify': {
      const client = sdk(job);
      return { ok: client.checkNotifySign({ ...job.form }) && client.checkNotifySignV2({ ...job.form }) };
    }
    // … and on request parameters our client signed, verified with our application's public key.
    case 'checkRequest':
      return { ok: sdk({ ...job, alipayPublicKey: job.appPublicKey }).checkNotifySign({ ...job.form }) };
    // (c) a notification built and signed here the way Alipay signs: sorted, sign and sign_type left out, RSA-SHA256.
    case 'signNotify': {
      const form = { ...job.form, sign_type: 'RSA2' };
      const content = Object.keys(form).filter(k => k !== 'sign' && k !== 'sign_type' && form[k] !== '').sort().map(k => `${k}=${form[k]}`).join('&');
      form.sign = crypto.createSign('RSA-SHA256').update(content, 'utf8').sign(job.alipayPrivateKey, 'base64');
      return { ok: true, form };
    }
    default:
      return { ok: false, error: `unknown job ${job.kind}` };
  }
}

(async () => {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const { jobs } = JSON.parse(input);
  const results = [];
  for (const job of jobs) results.push(await run(job));
  process.stdout.write(JSON.stringify(results));
})().catch(e => { process.stderr.write(String(e.stack)); process.exit(1); });
