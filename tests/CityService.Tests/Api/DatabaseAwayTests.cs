using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using CityService.Core.Storage;
using CityService.Testing;
using CityService.Tests.Infrastructure;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CityService.Tests.Api;

/// <summary>
/// A PostgreSQL 15 server of the test's own (initdb + pg_ctl on a free loopback port, private socket directory), which the
/// test may stop, start, freeze and thaw; the shared test server is never touched. As root it runs as the postgres user.
/// A machine without the server binaries fails the test with a message saying so.
/// </summary>
public sealed class DedicatedPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly int _port;
    private readonly List<int> _frozen = [];

    private DedicatedPostgres(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        _port = port;
    }

    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=10;";

    private static bool Root => Environment.UserName == "root";

    public static async Task<DedicatedPostgres> StartAsync()
    {
        var bin = Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } b ? b : "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(bin, "initdb")) || !File.Exists(Path.Combine(bin, "pg_ctl")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL server binaries (initdb, pg_ctl) are not in {bin}: install PostgreSQL 15 (Debian package postgresql) or set PG_BIN. This test starts and stops its own server.");
        }

        var dir = Directory.CreateTempSubdirectory("cityservice-pg-away-").FullName;
        await Run("chmod", ["755", dir]);
        if (Root)
        {
            await Run("chown", ["postgres", dir]);
        }

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var server = new DedicatedPostgres(bin, dir, port);
        await server.AsPostgres("initdb", ["-D", server.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
        await server.Start();
        return server;
    }

    private string Data => Path.Combine(_dir, "data");

    public Task Start() => AsPostgres("pg_ctl", [
        "-D", Data, "-l", Path.Combine(_dir, "server.log"), "-w", "-t", "30",
        "-o", $"-p {_port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        "start"]);

    public Task Stop() => AsPostgres("pg_ctl", ["-D", Data, "-m", "fast", "-w", "stop"]);

    /// <summary>SIGSTOP to the postmaster and every backend: the server accepts TCP connections (the kernel does) but never answers.</summary>
    public async Task Freeze()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(Data, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        var pids = new List<int> { postmaster };
        foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' '); // state ppid ...
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster)
                {
                    pids.Add(int.Parse(Path.GetFileName(Path.GetDirectoryName(stat)!), CultureInfo.InvariantCulture));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // a process that ended meanwhile, or not a process directory
            }
        }

        _frozen.AddRange(pids);
        await Run("kill", ["-STOP", .. pids.Select(p => p.ToString(CultureInfo.InvariantCulture))]);
    }

    public async Task Thaw()
    {
        if (_frozen.Count == 0)
        {
            return;
        }

        var pids = _frozen.Select(p => p.ToString(CultureInfo.InvariantCulture)).ToList();
        _frozen.Clear();
        await Run("kill", ["-CONT", .. pids], ignoreFailure: true); // some backends may have ended
    }

    public async ValueTask DisposeAsync()
    {
        await Thaw();
        await AsPostgres("pg_ctl", ["-D", Data, "-m", "immediate", "-w", "stop"], ignoreFailure: true);
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private Task AsPostgres(string tool, string[] args, bool ignoreFailure = false) =>
        Root ? Run("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args], ignoreFailure) : Run(Path.Combine(_bin, tool), args, ignoreFailure);

    private static async Task Run(string file, string[] args, bool ignoreFailure = false)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0 && !ignoreFailure)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await errors}");
        }
    }
}

/// <summary>The host (Testing environment, simulators) on a dedicated PostgreSQL server with 2-second storage bounds.</summary>
public sealed class DedicatedPostgresApp : IAsyncLifetime
{
    public const int BoundSeconds = 2;

    public DedicatedPostgres Server { get; private set; } = null!;

    public ConfiguredHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await DedicatedPostgres.StartAsync();
        Host = new ConfiguredHost(StorageSettings.From("Postgres", Server.ConnectionString, Path.GetTempPath()), "Testing", new()
        {
            ["Storage:ConnectTimeoutSeconds"] = BoundSeconds.ToString(CultureInfo.InvariantCulture),
            ["Storage:CommandTimeoutSeconds"] = BoundSeconds.ToString(CultureInfo.InvariantCulture),
        });
        Assert.Null(Host.StartFailure());
    }

    public async Task DisposeAsync()
    {
        await Server.Thaw();
        await Host.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>Issue 6 §5: while the database is away, callers get 503 with Retry-After quickly, logged once; it recovers by itself.</summary>
public sealed class DatabaseAwayTests_Postgres(DedicatedPostgresApp app) : IClassFixture<DedicatedPostgresApp>
{
    private static int _next;

    private static string NewPhone() => "137" + Interlocked.Increment(ref _next).ToString("00000000", CultureInfo.InvariantCulture);

    private static Task<HttpResponseMessage> SendCode(HttpClient client) => client.PostAsJsonAsync("/api/auth/otp", new { phone = NewPhone() });

    [Fact]
    public async Task A_stopped_database_gives_503_with_retry_after_logged_once_then_recovers_without_a_restart()
    {
        var api = app.Host.CreateClient();
        var browser = app.Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        Assert.Equal(HttpStatusCode.Accepted, (await SendCode(api)).StatusCode);
        var signIn = await HtmlForms.Page(browser, "/signin");
        var logsBefore = app.Host.Logs.Count;

        await app.Server.Stop();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var response = await SendCode(api);
                await response.AssertProblem(HttpStatusCode.ServiceUnavailable, code: "server.database-unavailable");
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            }

            var ready = await api.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.NotNull(ready.Headers.RetryAfter);

            var page = await HtmlForms.Submit(browser, signIn, "#phone-form", new() { ["phone"] = NewPhone(), ["agree"] = "true" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(page.Headers.RetryAfter);
            var html = await page.Content.ReadAsStringAsync();
            Assert.True(html.Contains("服务暂时繁忙或正在维护，请稍后再试。", StringComparison.Ordinal), html);

            var during = app.Host.Logs.GetSnapshot().Skip(logsBefore).ToList();
            Assert.Single(during, e => e.Message.Contains("The database is unavailable", StringComparison.Ordinal));
            Assert.Single(during, e => e.Level >= LogLevel.Error); // that one line, not one per request
        }
        finally
        {
            await app.Server.Start();
        }

        await AnswersAgain(api);
        Assert.Single(app.Host.Logs.GetSnapshot().Skip(logsBefore), e => e.Message.Contains("The database answers again", StringComparison.Ordinal));
    }

    /// <summary>
    /// On a frozen server Npgsql gives up on a command after about three times its timeout (the read times out, then its
    /// cancel request to the frozen postmaster does); without bounds the request hung for a minute (issue 6).
    /// </summary>
    private static readonly TimeSpan FrozenBound = TimeSpan.FromSeconds((3 * DedicatedPostgresApp.BoundSeconds) + 2);

    [Fact]
    public async Task A_frozen_database_gives_503_within_the_configured_bound_then_recovers()
    {
        var api = app.Host.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await SendCode(api)).StatusCode); // a pooled connection to the backend that will freeze
        await app.Server.Freeze();
        try
        {
            foreach (var attempt in new[] { "pooled connection", "new connection" })
            {
                var clock = Stopwatch.StartNew();
                var response = await SendCode(api);
                clock.Stop();
                await response.AssertProblem(HttpStatusCode.ServiceUnavailable, code: "server.database-unavailable");
                Assert.True(clock.Elapsed < FrozenBound, $"{attempt}: 503 after {clock.Elapsed}");
            }

            var readyClock = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.GetAsync("/readyz")).StatusCode);
            Assert.True(readyClock.Elapsed < FrozenBound, $"/readyz after {readyClock.Elapsed}");
        }
        finally
        {
            await app.Server.Thaw();
        }

        await AnswersAgain(api);
    }

    /// <summary>Waits (bounded) until the same call succeeds again: connections broken by the outage are dropped on their next use.</summary>
    private static async Task AnswersAgain(HttpClient api)
    {
        var deadline = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await SendCode(api)).StatusCode;
            if (status == HttpStatusCode.Accepted)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            await Task.Delay(100);
        }
        while (deadline.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("ready", await api.GetStringAsync("/readyz"));
    }
}

/// <summary>Issue 6 §5 on SQLite: a database that cannot take writes answers 503, and nothing is corrupted.</summary>
public sealed class DatabaseAwayTests_Sqlite
{
    [Fact]
    public async Task A_read_only_database_answers_writes_with_503_and_stays_intact()
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var keys = new Dictionary<string, string?> // both hosts must read the same key ring
        {
            ["Identity:PersonalData:Keys:t1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Identity:PersonalData:BlindIndexKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
        await using (var writable = new ConfiguredHost(database.Settings, "Testing", new(keys)))
        {
            Assert.Null(writable.StartFailure());
            Assert.Equal(HttpStatusCode.Accepted, (await writable.CreateClient().PostAsJsonAsync("/api/auth/otp", new { phone = "13600000001" })).StatusCode);
        }

        // The same file opened read-only by every context of the host (as on a read-only mount); the start-up migration
        // check still runs on its own connection.
        var readOnly = database.Settings with
        {
            ConnectionString = new SqliteConnectionStringBuilder(database.Settings.ConnectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString(),
        };
        await using (var host = new ConfiguredHost(database.Settings, "Testing", new(keys) { ["Seed:Demo"] = "false" }, services =>
        {
            services.RemoveAll<DbContextOptions<CityDbContext>>();
            services.AddSingleton(sp =>
            {
                var options = new DbContextOptionsBuilder<CityDbContext>();
                HostSetup.ConfigureDatabase(sp, readOnly, options);
                return options.Options;
            });
        }))
        {
            Assert.Null(host.StartFailure());
            var api = host.CreateClient();
            var response = await api.PostAsJsonAsync("/api/auth/otp", new { phone = "13600000002" });
            await response.AssertProblem(HttpStatusCode.ServiceUnavailable, code: "server.database-unavailable");
            Assert.NotNull(response.Headers.RetryAfter);

            var browser = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
            var page = await HtmlForms.Submit(browser, await HtmlForms.Page(browser, "/signin"), "#phone-form", new() { ["phone"] = "13600000003", ["agree"] = "true" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
            Assert.NotNull(page.Headers.RetryAfter);
        }

        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection(database.Settings.ConnectionString);
        await connection.OpenAsync();
        await using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", await check.ExecuteScalarAsync());
        check.CommandText = "SELECT count(*) FROM otp_challenges";
        Assert.Equal(1L, await check.ExecuteScalarAsync());
    }
}

/// <summary>Which failures mean "the database is away" (503) and which are bugs (500).</summary>
public sealed class DatabaseOutageTests
{
    public static TheoryData<Exception, bool> Failures() => new()
    {
        { new TimeoutException(), false }, // e.g. the registry's HTTP call: not the database
        { new TaskCanceledException("HttpClient.Timeout", new TimeoutException()), false },
        { new DbUpdateException("saving", new TimeoutException()), true },
        { new NpgsqlException("Exception while reading from stream", new TimeoutException()), true },
        { new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)), true },
        { new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"), true },
        { new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"), true },
        { new PostgresException("syntax error", "ERROR", "ERROR", "42601"), false },
        { new PostgresException("duplicate key", "ERROR", "ERROR", "23505"), false },
        { new SqliteException("attempt to write a readonly database", 8), true },
        { new SqliteException("database or disk is full", 13), true },
        { new SqliteException("database is locked", 5), true },
        { new SqliteException("disk I/O error", 10, 10 | (4 << 8)), true },
        { new SqliteException("unable to open database file", 14), true },
        { new SqliteException("UNIQUE constraint failed", 19), false },
        { new DbUpdateException("An error occurred while saving", new SqliteException("database or disk is full", 13)), true },
        { new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", new NpgsqlException("x", new TimeoutException())), true },
        { new Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException("retries", new NpgsqlException("x", new TimeoutException())), true },
        { new InvalidOperationException("Sequence contains no elements"), false },
        { new ArgumentException("a bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Database_unavailability_is_told_from_bugs(Exception exception, bool unavailable) =>
        Assert.Equal(unavailable, DatabaseOutage.IsUnavailable(exception));

    [Fact]
    public void Storage_timeouts_bound_both_providers_and_are_configurable()
    {
        var pg = new NpgsqlConnectionStringBuilder(StorageSettings.From("Postgres", "Host=db;Username=u", "/tmp").ConnectionString);
        Assert.Equal((StorageTimeouts.DefaultConnectSeconds, StorageTimeouts.DefaultCommandSeconds, -1), (pg.Timeout, pg.CommandTimeout, pg.CancellationTimeout));
        pg = new NpgsqlConnectionStringBuilder(StorageSettings.From("Postgres", "Host=db;Username=u;Timeout=20", "/tmp", StorageTimeouts.From(3, 4)).ConnectionString);
        Assert.Equal((3, 4), (pg.Timeout, pg.CommandTimeout));
        pg = new NpgsqlConnectionStringBuilder(StorageSettings.From("Postgres", "Host=db;Username=u;Timeout=20", "/tmp").ConnectionString);
        Assert.Equal(20, pg.Timeout); // the connection string's own value stays unless Storage:* says otherwise

        var sqlite = new SqliteConnectionStringBuilder(StorageSettings.From("Sqlite", "Data Source=x.db", Path.GetTempPath(), StorageTimeouts.From(null, 7)).ConnectionString);
        Assert.Equal(7, sqlite.DefaultTimeout);
        Assert.Throws<InvalidOperationException>(() => StorageTimeouts.From(0, null));
    }
}
