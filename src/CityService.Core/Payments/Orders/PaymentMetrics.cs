using System.Diagnostics.Metrics;
using CityService.Core.Common;

namespace CityService.Core.Payments.Orders;

/// <summary>The payments part's counters on the platform's meter (<see cref="PlatformMetrics.Meter"/>).</summary>
public static class PaymentMetrics
{
    /// <summary>Orders by channel and outcome: created, succeeded, failed, expired.</summary>
    public static readonly Counter<long> Orders = PlatformMetrics.Meter.CreateCounter<long>("cityservice.payments.orders", "{order}", "Payment orders by channel and outcome");

    /// <summary>Channel notices (and query answers) by channel and outcome (applied, already-applied, unknown-order, amount-mismatch, refunded-automatically, rejected).</summary>
    public static readonly Counter<long> Notices = PlatformMetrics.Meter.CreateCounter<long>("cityservice.payments.notices", "{notice}", "Payment notices by channel and outcome");
}
