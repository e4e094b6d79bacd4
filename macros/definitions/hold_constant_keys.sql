{#- The property keys that some funnel holds constant (SPEC section 5), read
    from the built funnels seed at execution: distinct, trimmed, sorted,
    and only those of letters, digits and _ (they are written into SQL; the
    definition test assert_funnel_options_valid names any other). Empty at
    parse time, and when the seed has no hold_constant column. -#}
{% macro hold_constant_keys() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {#- from the graph, not ref(): a model's fingerprint reads the keys
        without depending on the seed -#}
    {%- set funnels = [] -%}
    {#- (a unit test's graph has no nodes: its held values are null) -#}
    {%- for node in (graph.get('nodes') or {}).values() -%}
        {%- if node.resource_type == 'seed' and node.name == 'funnels'
            and node.package_name == project_name -%}
            {%- do funnels.append(api.Relation.create(database=node.database,
                schema=node.schema, identifier=node.alias, type='table')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if funnels | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set funnels = funnels[0] -%}
    {%- if adapter.get_relation(funnels.database, funnels.schema,
        funnels.identifier) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(funnels)
        | map(attribute='name') | map('lower') | list -%}
    {%- if 'hold_constant' not in names -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set found = run_query(
        'select distinct trim(cast(hold_constant as ' ~ api.Column.translate_type('string')
        ~ ')) from ' ~ funnels ~ ' where hold_constant is not null'
    ).columns[0].values() -%}
    {%- set keys = [] -%}
    {%- for key in found -%}
        {%- if key and modules.re.fullmatch('[A-Za-z0-9_]+', key) -%}
            {%- do keys.append(key) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(keys | sort) }}
{%- endmacro %}


{#- An accepted event's values of the held keys (hold_constant_keys), as
    one text: ';key=md5;' per key whose value is present and not null, in
    key order; null when it has none (or no funnel holds a key). A value is
    compared as text (json_value_text: 42 and "42" are one value) and kept
    only as its MD5 digest: equal values stay equal, and no property value
    (which may be personal data) is stored. Read one key back with
    held_value. -#}
{% macro held_values(properties_expr) -%}
    {%- set keys = hold_constant_keys() -%}
    {%- if keys | length == 0 -%}
        cast(null as {{ api.Column.translate_type('string') }})
    {%- else -%}
        nullif(
            {%- for key in keys %}
            coalesce(
                ';{{ key }}=' || md5({{ json_value_text(properties_expr, key) }}),
                ''
            ) ||
            {%- endfor %}
            ';',
            ';'
        )
    {%- endif -%}
{%- endmacro %}


{#- The digest of `key_expr`'s value in a held_values text, or null when
    the event has no value for that key. -#}
{% macro held_value(held_values_expr, key_expr) -%}
    case
        when instr({{ held_values_expr }}, ';' || {{ key_expr }} || '=') > 0
            then substr(
                {{ held_values_expr }},
                instr({{ held_values_expr }}, ';' || {{ key_expr }} || '=')
                + length({{ key_expr }}) + 2,
                32
            )
    end
{%- endmacro %}
