using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CityService.Core.Storage;

/// <summary>
/// The one timestamp convention of every table (docs/decisions/012-data-model-and-migrations.md): a UTC
/// <see cref="DateTimeOffset"/> with millisecond precision. PostgreSQL stores it as <c>timestamptz</c>; SQLite, which
/// has no time type and cannot compare EF's text form in SQL, as INTEGER unix milliseconds. A value written with another
/// offset is normalised to the same instant in UTC, and anything below a millisecond is dropped, on both providers alike.
/// </summary>
public static class StoredTime
{
    /// <summary>The value exactly as it reads back from either database.</summary>
    public static DateTimeOffset Normalise(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    /// <summary>The parameter value for a timestamp column in raw SQL, in this provider's storage form.</summary>
    public static object ToStored(this DatabaseFacade database, DateTimeOffset value) =>
        database.IsNpgsql() ? Normalise(value) : value.ToUnixTimeMilliseconds();

    internal static void Apply(ModelConfigurationBuilder builder, bool postgres)
    {
        if (postgres)
        {
            builder.Properties<DateTimeOffset>().HaveConversion<UtcTimestampConverter>().HaveColumnType("timestamp with time zone");
        }
        else
        {
            builder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        }
    }

    private sealed class UtcTimestampConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(v => Normalise(v), v => v);

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(), v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}

/// <summary>
/// Enums are stored as text (by name unless a property names its own words, e.g. a slug). A word in the database that
/// this build does not know is an error naming the table, column and value — never read as some other member.
/// </summary>
public static class StoredEnums
{
    private const string TextAnnotation = "CityService:EnumText";

    /// <summary>Stores this enum property with its own words instead of the member names.</summary>
    public static PropertyBuilder<TEnum> HasEnumText<TEnum>(this PropertyBuilder<TEnum> property, Func<TEnum, string> write, Func<string, TEnum?> read)
        where TEnum : struct, Enum
    {
        property.HasAnnotation(TextAnnotation, new EnumText<TEnum>(write, read));
        return property;
    }

    /// <summary>Gives every enum property of the model (complex types included) its strict text converter.</summary>
    internal static void Apply(IMutableModel model)
    {
        foreach (var entity in model.GetEntityTypes())
        {
            Apply(entity);
        }
    }

    private static void Apply(IMutableTypeBase type)
    {
        foreach (var property in type.GetDeclaredProperties())
        {
            var clr = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
            if (clr.IsEnum)
            {
                var text = property.FindAnnotation(TextAnnotation)?.Value
                    ?? Activator.CreateInstance(typeof(EnumText<>).MakeGenericType(clr), nonPublic: true)!;
                var converter = typeof(StrictEnumConverter<>).MakeGenericType(clr);
                property.SetValueConverter((ValueConverter)Activator.CreateInstance(converter, text, property)!);
            }
        }

        foreach (var complex in type.GetDeclaredComplexProperties())
        {
            Apply(complex.ComplexType);
        }
    }

    /// <summary>The exception for a stored word this build does not know.</summary>
    public static InvalidOperationException Unknown(IReadOnlyProperty property, Type enumType, string value)
    {
        var table = property.DeclaringType.ContainingEntityType.GetTableName();
        var column = property.GetColumnName();
        return new InvalidOperationException(
            $"Unknown value '{value}' in column {table}.{column}: it is not a {enumType.Name} this version knows. "
            + "Fix the row, or run the version that wrote it.");
    }

    private sealed class EnumText<TEnum>
        where TEnum : struct, Enum
    {
        private EnumText()
            : this(v => v.ToString(), ByName)
        {
        }

        public EnumText(Func<TEnum, string> write, Func<string, TEnum?> read) => (Write, Read) = (write, read);

        public Func<TEnum, string> Write { get; }

        public Func<string, TEnum?> Read { get; }

        private static readonly FrozenDictionary<string, TEnum> Names =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => v.ToString(), v => v, StringComparer.Ordinal);

        private static TEnum? ByName(string text) => Names.TryGetValue(text, out var value) ? value : null;
    }

    private sealed class StrictEnumConverter<TEnum>(EnumText<TEnum> text, IReadOnlyProperty property)
        : ValueConverter<TEnum, string>(WriteExpression(text), ReadExpression(text, property))
        where TEnum : struct, Enum
    {
        private static Expression<Func<TEnum, string>> WriteExpression(EnumText<TEnum> text) => v => text.Write(v);

        private static Expression<Func<string, TEnum>> ReadExpression(EnumText<TEnum> text, IReadOnlyProperty property) =>
            s => Read(text, property, s);

        private static TEnum Read(EnumText<TEnum> text, IReadOnlyProperty property, string stored) =>
            text.Read(stored) ?? throw Unknown(property, typeof(TEnum), stored);
    }
}

/// <summary>Lists and other small values stored as one JSON text column, compared by their JSON.</summary>
public static class JsonColumns
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static PropertyBuilder<T> HasJsonConversion<T>(this PropertyBuilder<T> property) =>
        property.HasConversion(new Converter<T>(), new Comparer<T>());

    public static ComplexTypePropertyBuilder<T> HasJsonConversion<T>(this ComplexTypePropertyBuilder<T> property) =>
        property.HasConversion(new Converter<T>(), new Comparer<T>());

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;

    private sealed class Converter<T>() : ValueConverter<T, string>(v => Write(v), s => Read<T>(s));

    private sealed class Comparer<T>() : ValueComparer<T>(
        (a, b) => Write(a) == Write(b),
        v => Write(v).GetHashCode(StringComparison.Ordinal),
        v => Read<T>(Write(v)));
}
