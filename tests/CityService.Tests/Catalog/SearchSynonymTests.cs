using CityService.Core.Catalog;

namespace CityService.Tests.Catalog;

public sealed class SearchSynonymTests
{
    [Fact]
    public void A_query_is_searched_as_typed_first_then_with_each_synonym_replaced()
    {
        var synonyms = new SearchSynonyms([["驾驶证", "驾照"], ["换证", "换领"]]);
        var terms = synonyms.Expand("驾照换证");
        Assert.Equal("驾照换证", terms[0]);
        Assert.Contains("驾驶证换证", terms);
        Assert.Contains("驾照换领", terms);
        Assert.Equal(terms.Count, terms.Distinct().Count());
    }

    [Fact]
    public void Latin_synonyms_match_regardless_of_case_and_a_query_without_synonyms_stays_alone()
    {
        var synonyms = new SearchSynonyms([["ID card", "identity card"], ["单"]]); // a one-word group is no group
        Assert.Contains("identity card renewal", synonyms.Expand("id CARD renewal"));
        Assert.Equal(["护照"], synonyms.Expand("护照"));
        Assert.Single(synonyms.Groups);
    }

    [Fact]
    public void The_shipped_groups_have_no_word_twice()
    {
        var words = SearchSynonyms.Default.Groups.SelectMany(g => g).ToList();
        Assert.True(SearchSynonyms.Default.Groups.Count >= 20);
        Assert.Equal(words.Count, words.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
