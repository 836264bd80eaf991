import re

from portal import charts


def test_charts_are_static_svg_without_scripts():
    for svg in (
        charts.bar("发放进度", ["未央区", "雁塔区"], {"已发放": [10, 20]}),
        charts.pie("类别", {"城乡低保": 3, "特困人员": 1}),
        charts.line("趋势", ["1月", "2月"], {"金额": [1, 2]}),
        charts.bar("空", [], {}),
    ):
        assert svg.lstrip().startswith("<svg")
        assert "<script" not in svg.lower()
        assert not re.search(r"""(src|href)=["']https?://""", svg), "chart loads something from the network"
    assert "暂无数据" in charts.bar("空", [], {})
