using System.Data.Common;
using System.Globalization;
using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.Consent;
using CityService.Core.Identity.SignIn;
using CityService.Core.Identity.Staff;
using CityService.Core.Identity.Verification;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Tests.Storage;

/// <summary>The SQL migrations and the EF model must agree, on both providers: tables, columns and their types, keys, foreign keys, indexes.</summary>
public abstract class SchemaTests(StorageProvider provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(provider);
        await new SchemaMigrator(_db.Settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private CityDbContext Context()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        _db.Settings.Configure(options);
        return new CityDbContext(options.Options);
    }

    [Fact]
    public async Task Every_table_column_type_key_foreign_key_and_index_of_the_model_is_the_migrated_schema()
    {
        await using var context = Context();
        await using var connection = _db.Settings.CreateConnection();
        await connection.OpenAsync();
        var schema = new SchemaReader(provider, connection);
        var tables = new List<string>();
        foreach (var entity in context.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            tables.Add(table);
            var store = StoreObjectIdentifier.Table(table);
            var columns = await schema.ColumnsAsync(table);
            Assert.True(columns.Count > 0, $"table {table} is missing");
            var properties = entity.GetFlattenedProperties().ToList();
            foreach (var property in properties)
            {
                var column = property.GetColumnName(store)!;
                Assert.True(columns.TryGetValue(column, out var actual), $"{table}.{column} is missing");
                Assert.True(property.IsColumnNullable(store) == actual.Nullable, $"{table}.{column}: model nullable={property.IsColumnNullable(store)}, schema nullable={actual.Nullable}");
                Assert.True(
                    string.Equals(property.GetColumnType(store), actual.Type, StringComparison.OrdinalIgnoreCase),
                    $"{table}.{column}: model type {property.GetColumnType(store)}, schema type {actual.Type}");
            }

            Assert.True(properties.Count == columns.Count, $"{table}: schema columns {string.Join(", ", columns.Keys.Except(properties.Select(p => p.GetColumnName(store)!)))} are not in the model");

            var pk = entity.FindPrimaryKey()!.Properties.Select(p => p.GetColumnName(store)!).ToArray();
            Assert.Equal(pk, await schema.PrimaryKeyAsync(table));

            var modelForeignKeys = entity.GetForeignKeys().Select(fk => new ForeignKey(
                [.. fk.Properties.Select(p => p.GetColumnName(store)!)],
                fk.PrincipalEntityType.GetTableName()!,
                [.. fk.PrincipalKey.Properties.Select(p => p.GetColumnName(StoreObjectIdentifier.Table(fk.PrincipalEntityType.GetTableName()!))!)],
                fk.DeleteBehavior == DeleteBehavior.Cascade ? "CASCADE" : "NO ACTION").ToString()).Order();
            Assert.Equal(modelForeignKeys, (await schema.ForeignKeysAsync(table)).Select(f => f.ToString()).Order());

            var modelIndexes = entity.GetIndexes().Select(i => new Index(
                i.GetDatabaseName(store)!, [.. i.Properties.Select(p => p.GetColumnName(store)!)], i.IsUnique).ToString()).Order();
            Assert.Equal(modelIndexes, (await schema.IndexesAsync(table)).Select(i => i.ToString()).Order());
        }

        var unmapped = (await schema.TablesAsync()).Except(tables).Except([SchemaMigrator.ChangelogTable]).ToList();
        Assert.True(unmapped.Count == 0, $"tables without an entity: {string.Join(", ", unmapped)}");
    }

    [Fact]
    public async Task Every_entity_type_round_trips_every_property()
    {
        var now = new DateTimeOffset(2026, 11, 22, 1, 2, 3, 456, TimeSpan.Zero);
        var region = new Region("990100", null, RegionLevel.Prefecture, "测试市", "Test City", true, new GeoPoint(30.5, 120.25), new GeoPoint(30.25, 120.5));
        var department = new Department("990100", "PSB", "测试市公安局", "Test City PSB");
        department.ListPhone("0571-87000000");
        var hall = new ServiceHall("990100", "CENTER", new LocalizedText("市民中心", "Citizen centre"), new LocalizedText("某路1号", "1 Some Road"),
            new LocalizedText("工作日 9:00-17:00", "Weekdays 9:00-17:00"), "0571-1", [ServiceField.Transportation, ServiceField.Policing]);
        var guide = new ServiceGuide(
            [new LocalizedText("身份证", "ID card"), new LocalizedText("照片", "Photo")],
            Fee.Fixed(12_345),
            new LocalizedText("某法", "Some Act"),
            7,
            Visits.Once,
            [OnlineMode.Form, OnlineMode.ExternalLink],
            "https://example.org/apply",
            ["驾驶证", "licence"])
        {
            Conditions = [new LocalizedText("年满18周岁", "Aged 18 or over")],
            Steps = [new LocalizedText("提交申请", "Apply"), new LocalizedText("领取证件", "Collect")],
            Faq = [new FaqEntry(new LocalizedText("问", "Q"), new LocalizedText("答", "A"))],
            EnquiryPhone = "0571-12345",
            ComplaintPhone = "12345",
        };
        var item = new ServiceItem("990100", "TR-9999", ServiceField.Transportation, ("990100", "PSB"),
            new LocalizedText("测试事项", "Test item"), new LocalizedText("说明", "About"), guide, now);
        item.RequireLevel(AssuranceLevel.L3, now);
        var change = new ServiceOverride("990100", "TR-0001", now);
        change.Disable(now);
        change.AssignTo(("990100", "PSB"), now);
        change.ChangeGuide(new GuidePatch(
            [new LocalizedText("户口簿", "Household register")], Fee.ByBill, new LocalizedText("甲", "A"), 0, Visits.None, [OnlineMode.Form], "https://example.org/x", ["快"])
        {
            Conditions = [new LocalizedText("本市户籍", "Registered in the city")],
            Steps = [new LocalizedText("预约", "Book")],
            Faq = [new FaqEntry(new LocalizedText("问", "Q"), new LocalizedText("答", "A"))],
            EnquiryPhone = "0571-1",
            ComplaintPhone = "0571-2",
        }, now);
        var partial = new ServiceOverride("990100", "TR-0002", now);
        partial.ChangeGuide(new GuidePatch(PromisedDays: 3), now); // the optional parts (fee, legal basis) stay null

        var account = Account.Open(AccountKind.Citizen, "phone-index", "phone-cipher", now);
        var client = ApiClient.ForChannel("wallet", "钱包", "Wallet", "secret-cipher", ["link"], "-----BEGIN PUBLIC KEY-----", now);
        var link = ChannelLinkRequest.Open(Guid.CreateVersion7(now), client.Id, "user-1", "phone-index", "phone-cipher", now);
        var face = FaceChallenge.Issue(account.Id, "nonce-1", now);
        face.Use(now);
        var otp = OtpChallenge.Issue(Guid.CreateVersion7(now), "phone-index", "client-index", "hash", now);
        otp.Consume(now);
        var bill = CityService.Core.Payments.Bill.Issue("990100", "PSB", "REF-1", "罚款", "Fine", CityService.Core.Payments.BillPayerKind.Plate, "plate-index",
            "V-1", "holder-name-last", "factor-index", [new("fine", 20_000, "罚款", "Fine")], new DateOnly(2026, 12, 31), 30, 20_000, "hash", now);
        var order = CityService.Core.Payments.PaymentOrder.Create("990100", account.Id, "alipay", 20_000, now, TimeSpan.FromMinutes(30));
        var posting = new CityService.Core.Payments.LedgerPosting("payment", "990100", order.Id, null,
            [CityService.Core.Payments.LedgerLine.Debit("clearing:alipay", 100, bill.Id), CityService.Core.Payments.LedgerLine.Credit("revenue:990100:PSB:fine", 100, bill.Id)]);
        var sandboxTrade = CityService.Core.Payments.Channels.Sandbox.SandboxTrade.Open(order.OutTradeNo, 100, now);
        var reconciliation = CityService.Core.Payments.Reconciliation.ReconciliationRun.Start("alipay", new DateOnly(2026, 11, 21), "upload", account.Id, now);
        object[] rows =
        [
            reconciliation,
            CityService.Core.Payments.Reconciliation.ReconciliationItem.For(reconciliation.Id, "duplicate", "payment", "T1", order.OutTradeNo, null, 100, 100, "open", "twice", now),
            bill, order, CityService.Core.Payments.PaymentOrderBill.For(order, bill, bill.Lines),
            CityService.Core.Payments.Refund.Request(order, "PSB", 100, "重复缴费", account.Id, false, now),
            CityService.Core.Payments.LedgerEntry.From(Guid.CreateVersion7(now), posting, posting.Lines[0], now),
            CityService.Core.Payments.Orders.PaymentIdempotencyKey.Claim(account.Id, "key-1", "hash", order.Id, now),
            CityService.Core.Payments.Orders.PaymentNotice.Of(order.Id, new CityService.Core.Payments.ChannelPaymentNotice("sandbox", order.OutTradeNo, "SBX1", 100, now, "n-1"), "applied", now),
            sandboxTrade, CityService.Core.Payments.Channels.Sandbox.SandboxRefund.Of("r" + order.OutTradeNo, sandboxTrade.OutTradeNo, 100, now),
            CityService.Core.Payments.Channels.Alipay.AlipayNotice.Take("notify-1", order.OutTradeNo, new string('0', 64), now),
            new CityService.Core.Payments.Channels.WeChatPay.WeChatPayNoticeSeen("EV-1", "digest", order.Id.ToString("N"), now),
            CityService.Core.Documents.IssuerKey.Create(CityService.Core.Documents.DocumentIssuer.Department("990100", "PSB"), "kid-1", "cHVibGlj", "sealed", now),
            CityService.Core.Documents.DocumentFile.Of("990100", "application/pdf", [0x25, 0x50, 0x44, 0x46], now),
            CityService.Core.Payments.Invoices.InvoiceSequence.Start("990100", "PSB", 2026),
            CityService.Core.Payments.Invoices.Invoice.Issue(Guid.CreateVersion7(now), "990100", "PSB", order.Id, account.Id, "张*", "990100-PSB-2026", 2026, 1,
                [new(bill.Id, "fine", "罚款", "Fine", 20_000)], "贰佰元整", "123456", now, "kid-1", "a.b.c"),
            region, department, hall, item, change, partial, account, client, link, face, otp,
            new IdentityUserClaim<Guid> { UserId = account.Id, ClaimType = "t", ClaimValue = "v" },
            new IdentityUserLogin<Guid> { UserId = account.Id, LoginProvider = client.Id, ProviderKey = "user-1", ProviderDisplayName = "Wallet" },
            new IdentityUserToken<Guid> { UserId = account.Id, LoginProvider = "p", Name = "n", Value = "v" },
            new Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey { FriendlyName = "key-1", Xml = "<key/>" },
            IdentityVerification.Record(account.Id, VerificationKind.Face, "match", 0.93, "ref-1", now),
            new UsedNonce(client.Id, "nonce-2", now),
            new StaffAssignment("990100", "PSB", account.Id, StaffRole.DeptAdmin, now),
            AccountSession.Open(account, SessionKind.Api, SignInMethod.Code, client.Id, "Mozilla/5.0 (Android) Chrome/120", now, TimeSpan.FromHours(1)),
            new UsedAssertion(client.Id, "jti-1", now),
            StaffInvitation.Issue("990100", "PSB", StaffRole.Approver, "phone-index-2", "phone-cipher-2", account.Id, now),
            ConsentRecord.Give(account.Id, ConsentKind.SensitiveIdentity, "2026.1", ConsentChannel.Api, now),
            CityService.Core.Outbox.OutboxMessage.Create("sms", "330100", "{}", now),
            CityService.Core.Notifications.InboxNotification.Create(account.Id, CityService.Core.Notifications.NotificationEvents.All[0], "000000",
                new("标题", "正文", null), new("Title", "Text", null), now),
            CityService.Core.Notifications.NotificationPreference.Choose(account.Id, "payments", true, false, now),
            CityService.Core.Notifications.NotificationTemplate.Save("identity.verified", "sms", "zh", 2, null, "{{ level }}", account.Id, now),
            CityService.Core.Jobs.JobSchedule.Create("cleanup", now),
            CityService.Core.Jobs.OneOffJob.Create("reminder", "{}", now, now),
            CityService.Core.Jobs.JobRun.Start("cleanup", "2026-11-22T01:02:03.456Z", now, 1, "host:1:abc", now),
            ClientLimitHit.Record("code", "client-index", now),
            Activator.CreateInstance(typeof(SignInLockout), nonPublic: true)!,
            CityService.Core.Audit.AuditEntry.Create(new(CityService.Core.Audit.AuditActions.SignIn, CityService.Core.Audit.AuditActor.Account(account.Id)), 1, now, "trace-1", new string('0', 64)),
            Activator.CreateInstance(typeof(CityService.Core.Audit.AuditChainHead), nonPublic: true)!,
            CityService.Core.Audit.AuditCheckpoint.Create("000000", 1, new string('a', 64), now, "key-1", "c2lnbmF0dXJl"),
            CityService.Core.Audit.AuditSigningKey.Create("key-1", "cHVibGlj", "sealed", now),
        ];

        List<(IEntityType Type, object?[] Key, EntityEntry Written)> written = [];
        await using (var write = Context())
        {
            foreach (var row in rows)
            {
                var entry = write.Add(row);
                FillEveryUnsetColumn(entry, now.AddHours(1));
            }

            write.Entry(link).Property(l => l.AccountId).CurrentValue = account.Id;
            foreach (var line in write.ChangeTracker.Entries<CityService.Core.Payments.LedgerEntry>())
            {
                line.Property(e => e.CreditFen).CurrentValue = 0; // a ledger line is a debit or a credit (a CHECK says so)
            }

            await write.SaveChangesAsync();
            written.AddRange(write.ChangeTracker.Entries().Select(e => (e.Metadata, e.Metadata.FindPrimaryKey()!.Properties.Select(p => e.Property(p.Name).CurrentValue).ToArray(), e)));

            Assert.Equal(
                write.Model.GetEntityTypes().Select(t => t.Name).Order(),
                written.Select(w => w.Type.Name).Distinct().Order()); // a new entity type must join this test
        }

        await using var read = Context();
        foreach (var (type, key, original) in written)
        {
            var loaded = await read.FindAsync(type.ClrType, key);
            Assert.True(loaded is not null, $"{type.DisplayName()} {string.Join("/", key)} was not read back");
            var entry = read.Entry(loaded);
            foreach (var property in type.GetProperties())
            {
                AssertSame(property, original.Property(property.Name).CurrentValue, entry.Property(property.Name).CurrentValue, type.DisplayName());
            }

            foreach (var complex in type.GetComplexProperties())
            {
                AssertSame(original.ComplexProperty(complex.Name), entry.ComplexProperty(complex.Name), type.DisplayName());
            }
        }
    }

    /// <summary>Gives every scalar column that is still null or default a value, so that each one is seen to round-trip.</summary>
    private static void FillEveryUnsetColumn(EntityEntry entry, DateTimeOffset at)
    {
        foreach (var property in entry.Metadata.GetProperties().Where(p => !p.IsKey() && !p.IsForeignKey() && p.ValueGenerated == ValueGenerated.Never))
        {
            var current = entry.Property(property.Name);
            var type = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
            if (current.CurrentValue is not null && !current.CurrentValue.Equals(type.IsValueType ? Activator.CreateInstance(type) : null))
            {
                continue;
            }

            current.CurrentValue = type switch
            {
                _ when type == typeof(string) => $"{property.Name}-value",
                _ when type == typeof(DateTimeOffset) => at,
                _ when type == typeof(DateOnly) => DateOnly.FromDateTime(at.UtcDateTime),
                _ when type == typeof(int) => 7,
                _ when type == typeof(long) => 1234L,
                _ when type == typeof(double) => 0.5,
                _ when type == typeof(bool) => true,
                _ when type == typeof(Guid) => Guid.CreateVersion7(at),
                _ when type.IsEnum => Enum.GetValues(type).GetValue(Enum.GetValues(type).Length - 1),
                _ => throw new InvalidOperationException($"{entry.Metadata.DisplayName()}.{property.Name}: teach this test a value of {type.Name}"),
            };
        }
    }

    private static void AssertSame(ComplexPropertyEntry original, ComplexPropertyEntry loaded, string entity)
    {
        var name = $"{entity}.{original.Metadata.Name}";
        Assert.True((original.CurrentValue is null) == (loaded.CurrentValue is null), $"{name}: wrote {original.CurrentValue ?? "null"}, read {loaded.CurrentValue ?? "null"}");
        if (original.CurrentValue is null)
        {
            return;
        }

        foreach (var property in original.Metadata.ComplexType.GetProperties())
        {
            AssertSame(property, original.Property(property.Name).CurrentValue, loaded.Property(property.Name).CurrentValue, name);
        }

        foreach (var complex in original.Metadata.ComplexType.GetComplexProperties())
        {
            AssertSame(original.ComplexProperty(complex.Name), loaded.ComplexProperty(complex.Name), name);
        }
    }

    private static void AssertSame(IProperty property, object? expected, object? actual, string owner)
    {
        Assert.True(property.GetValueComparer().Equals(expected, actual), $"{owner}.{property.Name}: wrote {Show(expected)}, read {Show(actual)}");
        if (expected is DateTimeOffset)
        {
            Assert.Equal(TimeSpan.Zero, ((DateTimeOffset)actual!).Offset);
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        System.Collections.IEnumerable e and not string => "[" + string.Join(", ", e.Cast<object>()) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    public sealed record Column(string Type, bool Nullable);

    public sealed record ForeignKey(string[] Columns, string PrincipalTable, string[] PrincipalColumns, string OnDelete)
    {
        public override string ToString() => $"({string.Join(",", Columns)}) -> {PrincipalTable}({string.Join(",", PrincipalColumns)}) on delete {OnDelete}";
    }

    public sealed record Index(string Name, string[] Columns, bool Unique)
    {
        public override string ToString() => $"{Name}({string.Join(",", Columns)}){(Unique ? " unique" : "")}";
    }

    /// <summary>Reads the real schema from the catalog of either provider.</summary>
    private sealed class SchemaReader(StorageProvider provider, DbConnection connection)
    {
        private bool Postgres => provider == StorageProvider.Postgres;

        public async Task<List<string>> TablesAsync() =>
            [.. (await RowsAsync(Postgres
                ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).Select(r => (string)r[0])];

        public async Task<Dictionary<string, Column>> ColumnsAsync(string table) =>
            (await RowsAsync(Postgres
                ? $"""
                   SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull FROM pg_attribute a
                   WHERE a.attrelid = 'public.{table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                   """
                : $"SELECT name, type, \"notnull\" = 0 AND pk = 0 FROM pragma_table_info('{table}')"))
            .ToDictionary(r => (string)r[0], r => new Column((string)r[1], Convert.ToBoolean(r[2], CultureInfo.InvariantCulture)));

        public async Task<string[]> PrimaryKeyAsync(string table) =>
            [.. (await RowsAsync(Postgres
                ? $"""
                   SELECT a.attname FROM pg_index i
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                   WHERE i.indrelid = 'public.{table}'::regclass AND i.indisprimary
                   ORDER BY array_position(i.indkey, a.attnum)
                   """
                : $"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk")).Select(r => (string)r[0])];

        public async Task<List<ForeignKey>> ForeignKeysAsync(string table)
        {
            var rows = await RowsAsync(Postgres
                ? $"""
                   SELECT c.oid::text, k.ord, a.attname, p.relname, pa.attname,
                          CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END
                   FROM pg_constraint c
                   CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, pcol, ord)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
                   JOIN pg_class p ON p.oid = c.confrelid
                   JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pcol
                   WHERE c.contype = 'f' AND c.conrelid = 'public.{table}'::regclass
                   ORDER BY 1, 2
                   """
                : $"SELECT CAST(id AS TEXT), seq, \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{table}') ORDER BY id, seq");
            return [.. rows.GroupBy(r => (string)r[0]).Select(g => new ForeignKey(
                [.. g.Select(r => (string)r[2])], (string)g.First()[3], [.. g.Select(r => (string)r[4])], (string)g.First()[5]))];
        }

        public async Task<List<Index>> IndexesAsync(string table)
        {
            var rows = await RowsAsync(Postgres
                ? $"""
                   SELECT c.relname, a.attname, i.indisunique FROM pg_index i
                   JOIN pg_class c ON c.oid = i.indexrelid
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                   WHERE i.indrelid = 'public.{table}'::regclass AND NOT i.indisprimary
                   ORDER BY c.relname, array_position(i.indkey, a.attnum)
                   """
                : $"SELECT il.name, ii.name, il.\"unique\" FROM pragma_index_list('{table}') il, pragma_index_info(il.name) ii WHERE il.origin = 'c' ORDER BY il.name, ii.seqno");
            return [.. rows.GroupBy(r => (string)r[0]).Select(g => new Index(
                g.Key, [.. g.Select(r => (string)r[1])], Convert.ToBoolean(g.First()[2], CultureInfo.InvariantCulture)))];
        }

        private async Task<List<object[]>> RowsAsync(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<object[]>();
            while (await reader.ReadAsync())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                rows.Add(values);
            }

            return rows;
        }
    }
}

public sealed class SchemaTests_Sqlite() : SchemaTests(StorageProvider.Sqlite);

public sealed class SchemaTests_Postgres() : SchemaTests(StorageProvider.Postgres);
