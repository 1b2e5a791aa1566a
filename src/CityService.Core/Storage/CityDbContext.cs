using CityService.Core.Audit;
using CityService.Core.Catalog;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.SignIn;
using CityService.Core.Identity.Staff;
using CityService.Core.Identity.Verification;
using CityService.Core.Jobs;
using CityService.Core.Notifications;
using CityService.Core.Outbox;
using CityService.Core.Payments;
using CityService.Core.Regions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Storage;

/// <summary>
/// One model for both providers. Each entity is configured by the <see cref="IEntityTypeConfiguration{TEntity}"/> beside
/// it; names are snake_case by EFCore.NamingConventions (set in <see cref="StorageSettings.Configure"/>). The schema itself
/// comes from the SQL scripts in Storage/Migrations, applied by Evolve (docs/decisions/012-data-model-and-migrations.md);
/// a test checks on both providers that they and this model agree.
/// </summary>
public sealed class CityDbContext(DbContextOptions<CityDbContext> options) : Microsoft.AspNetCore.Identity.EntityFrameworkCore.IdentityUserContext<Account, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<Region> Regions => Set<Region>();

    public DbSet<Department> Departments => Set<Department>();

    public DbSet<ServiceItem> ServiceItems => Set<ServiceItem>();

    public DbSet<ServiceOverride> ServiceOverrides => Set<ServiceOverride>();

    public DbSet<ServiceHall> ServiceHalls => Set<ServiceHall>();

    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<OtpChallenge> OtpChallenges => Set<OtpChallenge>();

    /// <summary>Data Protection's key ring (<c>PersistKeysToDbContext</c>); each key is stored encrypted (Web: KeyRingEncryptor).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<IdentityVerification> IdentityVerifications => Set<IdentityVerification>();

    public DbSet<FaceChallenge> FaceChallenges => Set<FaceChallenge>();

    public DbSet<ApiClient> ApiClients => Set<ApiClient>();

    public DbSet<UsedNonce> UsedNonces => Set<UsedNonce>();

    public DbSet<StaffAssignment> StaffAssignments => Set<StaffAssignment>();

    public DbSet<AccountSession> Sessions => Set<AccountSession>();

    public DbSet<ChannelLinkRequest> ChannelLinkRequests => Set<ChannelLinkRequest>();

    public DbSet<UsedAssertion> UsedAssertions => Set<UsedAssertion>();

    public DbSet<StaffInvitation> StaffInvitations => Set<StaffInvitation>();

    // jobs: the transactional outbox and background jobs (docs/decisions/018-jobs-and-outbox.md)
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<JobSchedule> JobSchedules => Set<JobSchedule>();

    public DbSet<OneOffJob> OneOffJobs => Set<OneOffJob>();

    public DbSet<JobRun> JobRuns => Set<JobRun>();

    // Notifications (notify): the inbox, the citizens' channel choices, the saved template versions.
    public DbSet<InboxNotification> InboxNotifications => Set<InboxNotification>();

    public DbSet<NotificationPreference> NotificationPreferences => Set<NotificationPreference>();

    public DbSet<NotificationTemplate> NotificationTemplates => Set<NotificationTemplate>();

    // The audit log (issue 9, audit): append-only entries, chain heads, signed checkpoints, the local signing key.
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<AuditChainHead> AuditChainHeads => Set<AuditChainHead>();

    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();

    public DbSet<AuditSigningKey> AuditSigningKeys => Set<AuditSigningKey>();

    public DbSet<Bill> Bills => Set<Bill>();

    public DbSet<PaymentOrder> PaymentOrders => Set<PaymentOrder>();

    public DbSet<PaymentOrderBill> PaymentOrderBills => Set<PaymentOrderBill>();

    public DbSet<Refund> Refunds => Set<Refund>();

    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();

    // Payments part (issue 10): idempotency keys, the notice that settled each order, the sandbox channel's own trades.
    public DbSet<Payments.Orders.PaymentIdempotencyKey> PaymentIdempotencyKeys => Set<Payments.Orders.PaymentIdempotencyKey>();

    public DbSet<Payments.Orders.PaymentNotice> PaymentNotices => Set<Payments.Orders.PaymentNotice>();

    public DbSet<Payments.Channels.Sandbox.SandboxTrade> SandboxTrades => Set<Payments.Channels.Sandbox.SandboxTrade>();

    public DbSet<Payments.Channels.Sandbox.SandboxRefund> SandboxRefunds => Set<Payments.Channels.Sandbox.SandboxRefund>();

    // Payments, part alipay: notifications taken by notify_id (replays refused).
    public DbSet<Payments.Channels.Alipay.AlipayNotice> AlipayNotices => Set<Payments.Channels.Alipay.AlipayNotice>();
    // wechatpay: notification ids accepted (replay check)
    public DbSet<CityService.Core.Payments.Channels.WeChatPay.WeChatPayNoticeSeen> WeChatPayNotices => Set<CityService.Core.Payments.Channels.WeChatPay.WeChatPayNoticeSeen>();
    // Refunds and reconciliation (issue 10, refunds): reconciliation runs and the differences they found.
    public DbSet<Payments.Reconciliation.ReconciliationRun> ReconciliationRuns => Set<Payments.Reconciliation.ReconciliationRun>();

    public DbSet<Payments.Reconciliation.ReconciliationItem> ReconciliationItems => Set<Payments.Reconciliation.ReconciliationItem>();

    // Signed documents (issue 11): issuers' keys and content-addressed generated files (PDF hard copies).
    public DbSet<Documents.IssuerKey> IssuerKeys => Set<Documents.IssuerKey>();

    public DbSet<Documents.DocumentFile> DocumentFiles => Set<Documents.DocumentFile>();

    // Fiscal e-invoices (issue 11) and their gapless numbers.
    public DbSet<Payments.Invoices.Invoice> Invoices => Set<Payments.Invoices.Invoice>();

    public DbSet<Payments.Invoices.InvoiceSequence> InvoiceSequences => Set<Payments.Invoices.InvoiceSequence>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder); // ASP.NET Core Identity's user, claim, login and token tables
        builder.ApplyConfigurationsFromAssembly(typeof(CityDbContext).Assembly);
        StoredEnums.Apply(builder.Model);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        StoredTime.Apply(configurationBuilder, Database.IsNpgsql());

    /// <summary>
    /// Saves, or — when a unique key says another request got there first — forgets this context's pending changes and
    /// returns false, so the caller can re-read and answer 409 or the existing row. Every other failure (a foreign key,
    /// a missing value, an outage) is not a race and propagates.
    /// </summary>
    public async Task<bool> TrySaveChangesAsync(CancellationToken ct)
    {
        try
        {
            await SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e))
        {
            ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>A unique or primary key conflict: SQLite's SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, PostgreSQL's 23505.</summary>
    public static bool IsUniqueViolation(DbUpdateException e) => e.InnerException switch
    {
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteExtendedErrorCode is SqliteUniqueConstraint or SqlitePrimaryKeyConstraint,
        Npgsql.PostgresException p => p.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    private const int SqliteUniqueConstraint = 2067; // SQLITE_CONSTRAINT_UNIQUE

    private const int SqlitePrimaryKeyConstraint = 1555; // SQLITE_CONSTRAINT_PRIMARYKEY
}
