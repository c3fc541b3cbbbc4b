from wangge.core.text import normalize_query, search_key


def test_search_key_matches_simplified_traditional_and_pinyin():
    key = search_key("张伟")
    for typed in ("张伟", "張偉", "zhangwei", "ZhangWei", "zw", "zhang"):
        assert normalize_query(typed) in key
