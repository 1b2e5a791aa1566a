using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CityService.Core.Audit;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: CityService.AuditBench <sqlite|postgres> <connection string to a new, empty database> [seconds=10] [writers=32] [sign-ins=1000]
// 1. `writers` tasks append to one chain for `seconds`; entries/s, then verify (must be intact) and its time.
// 2. The cost a sign-in pays for its audit entry: opening a session (SessionService.OpenAsync: the session row and the
//    sign-in entry in one transaction) against the same session insert without the entry, `sign-ins` each, sequential.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: CityService.AuditBench <sqlite|postgres> <connection string> [seconds] [writers] [sign-ins]");
    return 2;
}

var storage = StorageSettings.From(args[0], args[1], Path.GetTempPath());
var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
var writers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 32;
var signIns = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1000;
await new SchemaMigrator(storage, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
var options = new DbContextOptionsBuilder<CityDbContext>();
storage.Configure(options);
var factory = new Factory(options.Options);
var time = TimeProvider.System;
var log = new AuditLog(time);

// 1. Appends under concurrency: every writer appends once (model built, connection open), then all start together.
Console.WriteLine("load average before: " + File.ReadAllText("/proc/loadavg").Trim());
var contexts = Enumerable.Range(0, writers).Select(_ => factory.CreateDbContext()).ToList();
await Task.WhenAll(contexts.Select(db => Append(db)));
long appended = writers;
var stop = DateTime.UtcNow.AddSeconds(seconds);
var clock = Stopwatch.StartNew();
long measured = 0;
await Task.WhenAll(contexts.Select(db => Task.Run(async () =>
{
    while (DateTime.UtcNow < stop)
    {
        await Append(db);
        Interlocked.Increment(ref measured);
    }
})));
var appendSeconds = clock.Elapsed.TotalSeconds;
appended += measured;
foreach (var db in contexts)
{
    await db.DisposeAsync();
}
using var key = new AuditKey(ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem(), false, factory, () => throw new InvalidOperationException(), time);
await new AuditCheckpointJob(factory, key, time, NullLogger<AuditCheckpointJob>.Instance).CheckpointAsync(CancellationToken.None);
clock.Restart();
var verification = await new AuditVerifier(factory, key, time).VerifyAsync(CancellationToken.None);
var verifySeconds = clock.Elapsed.TotalSeconds;
Console.WriteLine(FormattableString.Invariant(
    $"{storage.Provider}: {writers} writers, {measured} entries in {appendSeconds:0.0} s = {measured / appendSeconds:0} entries/s; verify: {(verification.Intact ? "intact" : "NOT INTACT")} ({verification.Problems.Count} problems), {appended} entries in {verifySeconds:0.00} s = {appended / verifySeconds:0} entries/s"));

// 2. A sign-in's session with and without its audit entry.
Account account;
await using (var db = factory.CreateDbContext())
{
    account = await db.FindOrOpenAccountAsync(AccountKind.Citizen, "bench-phone-index", () => "bench-phone-cipher", time.GetUtcNow(), CancellationToken.None);
}

const string agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
for (var round = 0; round < 3; round++)
{
    var without = await TimeAsync(signIns, async () =>
    {
        await using var db = factory.CreateDbContext();
        db.Sessions.Add(AccountSession.Open(account, SessionKind.Page, SignInMethod.Code, null, agent, time.GetUtcNow(), TimeSpan.FromMinutes(35)));
        await db.SaveChangesAsync();
    });
    // What SessionService.OpenAsync writes for a sign-in: the session row and its audit entry in one transaction (the
    // new-device notification check is left out: it is not the audit's cost).
    var with = await TimeAsync(signIns, async () =>
    {
        await using var db = factory.CreateDbContext();
        db.Sessions.Add(AccountSession.Open(account, SessionKind.Page, SignInMethod.Code, null, agent, time.GetUtcNow(), TimeSpan.FromMinutes(35)));
        await log.SaveWithAsync(db, [new AuditRecord(AuditActions.SignIn, AuditActor.Account(account.Id), AuditRecord.AccountObject, account.Id.ToString(),
            Details: AuditRecord.DetailsOf(new { method = "code" }))], CancellationToken.None);
    });
    Console.WriteLine(FormattableString.Invariant(
        $"{storage.Provider} round {round + 1}: session without audit {without:0} µs, with its audit entry {with:0} µs: +{with - without:0} µs (+{(with - without) / without:P0}) per sign-in"));
}

Console.WriteLine("load average after: " + File.ReadAllText("/proc/loadavg").Trim());
return verification.Intact ? 0 : 1;

Task Append(CityDbContext db) => log.RecordAsync(db, new AuditRecord(AuditActions.SignIn, AuditActor.Account(Guid.CreateVersion7()), AuditRecord.AccountObject,
    Guid.CreateVersion7().ToString(), Details: AuditRecord.DetailsOf(new { method = "code", device = "Safari · iOS" })), CancellationToken.None);

static async Task<double> TimeAsync(int count, Func<Task> work)
{
    for (var i = 0; i < 50; i++)
    {
        await work(); // warm-up
    }

    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        await work();
    }

    return clock.Elapsed.TotalMicroseconds / count;
}

internal sealed class Factory(DbContextOptions<CityDbContext> options) : IDbContextFactory<CityDbContext>
{
    public CityDbContext CreateDbContext() => new(options);
}
