namespace CityService.PaymentBench;

/// <summary>The channels' signed notifications as the wallets (and the sandbox) send them.</summary>
public static class NoticeSenders
{
    public static INoticeSender For(string channel, Uri platform, string[] args) => channel switch
    {
        _ => throw new ArgumentException($"channel '{channel}' has no notice sender in the bench (yet)"),
    };
}
