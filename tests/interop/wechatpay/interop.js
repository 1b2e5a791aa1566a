// The WeChat Pay v3 library (npm wechatpay-axios-plugin) against the platform. One command per run, its input as JSON
// on stdin, its result as JSON on stdout; driven by tests/CityService.Tests/Payments/WeChatPay/WeChatPayInteropTests.cs.
'use strict';
const { Wechatpay, Rsa, Formatter, Aes } = require('wechatpay-axios-plugin');

const read = () => new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(JSON.parse(text)));
});

const failure = (e) => ({ ok: false, status: e.response ? e.response.status : null, code: e.code || null, message: String(e.message || e) });

const commands = {
  // (a) the library's client calls the simulator: it signs the requests, and verifies each signed answer.
  async client(input) {
    const wxpay = new Wechatpay({
      mchid: input.mchid, serial: input.serial, privateKey: input.privateKey,
      certs: { [input.platformSerial]: input.platformPublicKey }, baseURL: input.baseURL,
    });
    const result = {};
    try {
      const { data } = await wxpay.v3.pay.transactions.native.post({
        mchid: input.mchid, appid: input.appid, out_trade_no: input.outTradeNo, description: '交通违法罚款',
        notify_url: input.notifyUrl, amount: { total: input.amountFen, currency: 'CNY' },
      });
      result.codeUrl = data.code_url;
      const query = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: input.mchid }, out_trade_no: input.outTradeNo });
      result.tradeState = query.data.trade_state;
      result.total = query.data.amount.total;
    } catch (e) {
      return failure(e);
    }

    // The same call with another platform key configured under the serial: the library must refuse the answer.
    const { publicKey } = require('crypto').generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const wrong = new Wechatpay({ mchid: input.mchid, serial: input.serial, privateKey: input.privateKey, certs: { [input.platformSerial]: publicKey }, baseURL: input.baseURL });
    try {
      await wrong.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: input.mchid }, out_trade_no: input.outTradeNo });
      result.wrongKeyRefused = false;
    } catch (e) {
      result.wrongKeyRefused = true;
    }

    // A request signed with another merchant key: the simulator must answer 401.
    const { privateKey: otherKey } = require('crypto').generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const impostor = new Wechatpay({ mchid: input.mchid, serial: input.serial, privateKey: otherKey, certs: { [input.platformSerial]: input.platformPublicKey }, baseURL: input.baseURL });
    try {
      await impostor.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: input.mchid }, out_trade_no: input.outTradeNo });
      result.impostorStatus = 200;
    } catch (e) {
      result.impostorStatus = e.response ? e.response.status : null;
    }

    return { ok: true, ...result };
  },

  // (b) our Authorization header, read and verified the way the library makes and checks it.
  async authorization(input) {
    // The library writes the five parameters in another order (mchid, serial_no, timestamp, nonce_str, signature):
    // WeChat Pay reads them by name, so the check is that the library's own header has the same parameters.
    const parameters = (header) => {
      if (!header.startsWith('WECHATPAY2-SHA256-RSA2048 ')) return null;
      const pairs = header.slice('WECHATPAY2-SHA256-RSA2048 '.length).split(',').map((part) => /^([a-z_]+)="([^"]*)"$/.exec(part));
      return pairs.every(Boolean) ? Object.fromEntries(pairs.map(([, k, v]) => [k, v])) : null;
    };
    const ours = parameters(input.header);
    if (!ours) return { ok: false, message: 'not a WECHATPAY2-SHA256-RSA2048 header' };
    const { mchid, nonce_str: nonce, signature, timestamp, serial_no: serial } = ours;
    const theirs = parameters(Formatter.authorization(mchid, nonce, signature, timestamp, serial));
    const identical = Object.keys(ours).length === 5 && Object.keys(ours).every((k) => theirs[k] === ours[k]);
    const verified = Rsa.verify(Formatter.request(input.method, input.url, timestamp, nonce, input.body), signature, Rsa.from(input.merchantPublicKey, Rsa.KEY_TYPE_PUBLIC));
    const paySign = input.paySign ? Rsa.verify(Formatter.joinedByLineFeed(input.appId, input.timeStamp, input.nonceStr, input.package), input.paySign, Rsa.from(input.merchantPublicKey, Rsa.KEY_TYPE_PUBLIC)) : null;
    return { ok: true, identical, verified, paySign };
  },

  // (c) notifications built and signed the way WeChat Pay builds them: one per entry of `tampers` (none, ciphertext,
  // signature, timestamp), in one run.
  async notifications(input) {
    const built = await Promise.all(input.tampers.map((tamper) => commands.notification({ ...input, tamper })));
    return { ok: true, notifications: built };
  },

  async notification(input) {
    const nonce = Formatter.nonce(12);
    const ciphertext = Aes.AesGcm.encrypt(JSON.stringify(input.transaction), input.apiV3Key, nonce, 'transaction');
    const resource = { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: 'transaction', nonce };
    if (input.tamper === 'ciphertext') {
      const bytes = Buffer.from(ciphertext, 'base64');
      bytes[0] ^= 0x01;
      resource.ciphertext = bytes.toString('base64');
    }
    const body = JSON.stringify({
      id: input.id, create_time: input.createTime, resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功', resource,
    });
    const timestamp = String(input.timestamp + (input.tamper === 'timestamp' ? 600 : 0));
    const headerNonce = Formatter.nonce();
    let signature = Rsa.sign(Formatter.response(input.timestamp, headerNonce, body), Rsa.from(input.platformPrivateKey, Rsa.KEY_TYPE_PRIVATE));
    if (input.tamper === 'signature') signature = Rsa.sign(Formatter.response(input.timestamp, headerNonce, body + ' '), Rsa.from(input.platformPrivateKey, Rsa.KEY_TYPE_PRIVATE));
    // A timestamp moved after signing no longer matches the signature; one moved before signing is stale: both refused.
    return { ok: true, body, headers: { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': headerNonce, 'Wechatpay-Signature': signature, 'Wechatpay-Serial': input.serial } };
  },

  // The trade bill as the library's CSV reader reads it.
  async bill(input) {
    const { rows, summary } = Formatter.castCsvBill(Buffer.from(input.text, 'utf8'));
    return { ok: true, rows, summary };
  },
};

read().then((input) => commands[process.argv[2]](input)).then(
  (result) => { process.stdout.write(JSON.stringify(result)); },
  (e) => { process.stdout.write(JSON.stringify(failure(e))); process.exitCode = 1; },
);
