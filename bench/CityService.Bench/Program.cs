using CityService.Bench;

// Load driver for an already running CityService host. See `--help` and docs/benchmarks.md.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("error: " + ex.Message);
    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

Console.WriteLine(Report.Header(options));

void Progress(string step) => Console.WriteLine("  " + step);
var results = options.UseWrk
    ? await WrkRunner.RunAsync(options, Progress, cancel.Token)
    : await LoadRunner.RunAsync(options, Progress, cancel.Token);

Console.WriteLine();
Console.WriteLine(Report.Table(results));
Console.WriteLine(Report.CpuTable(results));
Console.WriteLine(Report.Ratios(results));

// A run always ends with 0 so the numbers are kept; errors are reported in the table. Only a run
// in which not one request succeeded (wrong URL, server down) is a failure.
return results.Count > 0 && results.All(r => r.Ok == 0) ? 1 : 0;
