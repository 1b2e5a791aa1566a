using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityService.AlipaySimulator;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Alipay;
using CityService.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Tests.Payments.Alipay;

/// <summary>
/// The official Alipay Node SDK (npm alipay-sdk, tests/interop/alipay) against our side: as the merchant it talks to our
/// simulator and accepts its signed answers; its verifiers accept the notifications the simulator signs and the request
/// parameters our client signs, and refuse tampered ones. (Notifications signed in Node and posted to our notify
/// endpoint: <see cref="AlipayChannelTests"/>.) The simulator here runs on the real clock, since the SDK stamps its
/// requests with it.
/// </summary>
public sealed class AlipaySdkInteropTests : IAsyncLifetime
{
    private const string AppId = "2021000000000042";
    private readonly RSA _appKey = RSA.Create(2048);
    private AlipaySimulatorHost _host = null!;
    private AlipayClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await AlipaySimulatorHost.StartAsync(AlipaySimulatorOptions.Generate(AppId, RSA.Create(_appKey.ExportParameters(false))), TimeProvider.System);
        var alipayPublic = RSA.Create(_host.Simulator.Options.AlipayPrivateKey.ExportParameters(false));
        _client = new AlipayClient(new HttpClient(), new AlipayOptions(AppId, _appKey, alipayPublic, _host.GatewayUrl), TimeProvider.System, NullLogger<AlipayClient>.Instance);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_sdk_as_merchant_gets_answers_it_verifies_and_its_verifiers_accept_what_we_sign_and_refuse_tampering()
    {
        // A trade paid at the simulator, taken from our order string (the notification is lost: only queries know).
        var paid = Guid.CreateVersion7().ToString("N");
        var start = await _client.StartAsync(new ChannelOrder(paid, 20_000, "交通违法罚款", DateTimeOffset.UtcNow.AddMinutes(30), "http://127.0.0.1:9/notify", null), default);
        using var http = new HttpClient();
        (await http.PostAsync(new Uri(_host.BaseAddress, "sim/app-pay"), new StringContent(start.Parameters["orderString"]))).EnsureSuccessStatusCode();
        await _host.Simulator.PayAsync(paid, new SimulatedPayOptions(Lost: true), default);
        var fromSdk = Guid.CreateVersion7().ToString("N");
        var refundNo = Guid.CreateVersion7().ToString("N");

        var notification = _host.Simulator.SignNotification(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = AppId, ["notify_id"] = "2026120300222100000000000000000001", ["notify_time"] = AlipayMethods.Time(DateTimeOffset.UtcNow), ["notify_type"] = "trade_status_sync",
            ["out_trade_no"] = paid, ["trade_no"] = _host.Simulator.Find(paid)!.TradeNo, ["trade_status"] = "TRADE_SUCCESS", ["total_amount"] = "200.00",
            ["subject"] = "交通违法罚款", ["charset"] = "utf-8", ["version"] = "1.0", ["fund_bill_list"] = "[{\"amount\":\"200.00\",\"fundChannel\":\"ALIPAYACCOUNT\"}]",
        });
        var request = _client.SignedParameters(AlipayMethods.Query, new { out_trade_no = paid });
        var common = new JsonObject
        {
            ["appId"] = AppId, ["gateway"] = _host.GatewayUrl.ToString(), ["appPrivateKey"] = _appKey.ExportPkcs8PrivateKeyPem(),
            ["alipayPublicKey"] = AlipaySignature.PublicKeyText(_client.Options.AlipayPublicKey), ["appPublicKey"] = AlipaySignature.PublicKeyText(_appKey),
        };
        JsonObject Job(string kind, object extra)
        {
            var job = (JsonObject)common.DeepClone();
            job["kind"] = kind;
            foreach (var (key, value) in JsonSerializer.SerializeToNode(extra)!.AsObject())
            {
                job[key] = value?.DeepClone();
            }

            return job;
        }

        var results = await AlipayNode.RunAsync(
            Job("exec", new { method = AlipayMethods.Query, bizContent = new { out_trade_no = paid } }),
            Job("exec", new { method = AlipayMethods.Refund, bizContent = new { out_trade_no = paid, refund_amount = "50.00", out_request_no = refundNo } }),
            Job("exec", new { method = AlipayMethods.BillDownload, bizContent = new { bill_type = "trade", bill_date = DateTimeOffset.UtcNow.ToOffset(AlipayMethods.Shanghai).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) } }),
            Job("exec", new { method = AlipayMethods.Query, bizContent = new { out_trade_no = Guid.CreateVersion7().ToString("N") } }),
            Job("sdkExec", new { method = AlipayMethods.AppPay, bizContent = new { out_trade_no = fromSdk, total_amount = "0.01", subject = "测试", product_code = "QUICK_MSECURITY_PAY" }, notifyUrl = "http://127.0.0.1:9/notify", postTo = new Uri(_host.BaseAddress, "sim/app-pay").ToString() }),
            Job("checkNotify", new { form = notification }),
            Job("checkNotify", new { form = new Dictionary<string, string>(notification) { ["total_amount"] = "2.00" } }),
            Job("checkRequest", new { form = request }),
            Job("checkRequest", new { form = new Dictionary<string, string>(request) { ["biz_content"] = "{\"out_trade_no\":\"someone-else\"}" } }),
            Job("exec", new { method = AlipayMethods.Query, bizContent = new { out_trade_no = paid }, alipayPublicKey = AlipaySignature.PublicKeyText(RSA.Create(2048)) }));

        var query = Ok(results[0]);
        Assert.Equal(("10000", "TRADE_SUCCESS", "200.00"), ((string?)query["code"], (string?)query["trade_status"], (string?)query["total_amount"]));
        var refund = Ok(results[1]);
        Assert.Equal(("10000", "Y", "50.00"), ((string?)refund["code"], (string?)refund["fund_change"], (string?)refund["refund_fee"]));
        Assert.StartsWith(_host.BaseAddress + "sim/bills/", (string?)Ok(results[2])["bill_download_url"], StringComparison.Ordinal);
        Assert.Equal(("40004", AlipayMethods.TradeNotExist), ((string?)Ok(results[3])["code"], (string?)Ok(results[3])["sub_code"]));
        Assert.True((bool)results[4]!["ok"]!);
        Assert.Equal(20_000, _host.Simulator.Find(paid)!.AmountFen);
        Assert.Equal(1, _host.Simulator.Find(fromSdk)?.AmountFen); // the simulator took the SDK's signed order string

        Assert.Equal([true, false, true, false], results.Skip(5).Take(4).Select(r => (bool)r!["ok"]!));
        Assert.False((bool)results[9]!["ok"]!, "the SDK must refuse an answer that does not verify against the Alipay public key it trusts");
        Assert.Contains("验签失败", (string?)results[9]!["error"], StringComparison.Ordinal);
    }

    private static JsonObject Ok(JsonNode? result)
    {
        Assert.True((bool)result!["ok"]!, result.ToJsonString());
        return result["result"]!.AsObject();
    }
}

/// <summary>Runs tests/interop/alipay/interop.js with a batch of jobs (JSON on stdin) and returns its results.</summary>
internal static class AlipayNode
{
    public static async Task<JsonArray> RunAsync(params JsonObject[] jobs)
    {
        var folder = Path.Combine(Repository.Root(), "tests", "interop", "alipay");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "alipay-sdk")), $"alipay-sdk is not installed: run `npm ci` in {folder} (scripts/test.sh does).");
        var start = new ProcessStartInfo("node", ["--no-deprecation", "interop.js"])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TZ"] = "Asia/Shanghai"; // the SDK stamps requests with the local time, as Alipay expects it
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(new JsonObject { ["jobs"] = new JsonArray([.. jobs]) }.ToJsonString());
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node interop.js failed ({process.ExitCode}):\n{await errors}");
        return JsonNode.Parse(await output)!.AsArray();
    }
}
