{#- Step `pass` (1..4) of the decoding of a text: the percent-escapes of
    the characters that personal data is recognized by, decoded to a fixed
    point (see _personal_data__macros.yml); after step 4, [undecodable]
    when such an escape is left. Plain replace() calls, so every engine
    decodes alike and nothing can fail to decode. Four steps of at most 11
    calls, each a step of its own in the model: sqlfluff parses no deeper
    than about 15 nested calls. -#}
{% macro percent_decoded(text_expr, pass) -%}
    {%- set escapes = [('%25', '%'), ('%25', '%'), ('%25', '%'),
        ('%40', '@'), ('%2E', '.'), ('%2e', '.'),
        ('%2B', '+'), ('%2b', '+'), ('%2D', '-'), ('%2d', '-'),
        ('%3A', ':'), ('%3a', ':'), ('%3B', ';'), ('%3b', ';'),
        ('%20', ' '), ('%28', '('), ('%29', ')')] -%}
    {%- for digit in range(10) -%}
        {%- do escapes.append(('%3' ~ digit, digit | string)) -%}
    {%- endfor -%}
    {%- for letter in ['a', 'b', 'c', 'd', 'e', 'f'] -%}
        {%- do escapes.append(('%4' ~ loop.index, letter | upper)) -%}
        {%- do escapes.append(('%6' ~ loop.index, letter)) -%}
    {%- endfor -%}
    {#- an escaped % first, three times (up to four encodings deep), then
        every other escape once, in the order above -#}
    {%- set decoded = namespace(expr=text_expr) -%}
    {%- for escape, character in escapes[(pass - 1) * 11:pass * 11] -%}
        {%- set decoded.expr = "replace(" ~ decoded.expr ~ ", '"
            ~ escape ~ "', '" ~ character ~ "')" -%}
    {%- endfor -%}
    case
        when not contains({{ text_expr }}, '%') then {{ text_expr }}
        {%- if pass < 4 %}
        else {{ decoded.expr }}
        {%- else %}
        else {{ regexp_replace_all(
            decoded.expr,
            "'(?s)^.*%(40|2[0589BbDdEe]|3[0-9AaBb]|4[1-6]|6[1-6]).*$'",
            "'[undecodable]'"
        ) }}
        {%- endif %}
    end
{%- endmacro %}
