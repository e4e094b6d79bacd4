{#- The change log of the visitor-level models: the one visitor_incremental
    model with a unique_key (it decides each raw row's fate and stamps the
    rows it writes with processed_at). Found in the parsed project. -#}
{% macro change_log_node() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.config.materialized == 'visitor_incremental'
            and node.config.get('unique_key') -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "No visitor_incremental model with a unique_key: the change log of"
        ~ " the visitor-level models is missing") }}
{%- endmacro %}


{% macro change_log_relation() -%}
    {%- set node = change_log_node() -%}
    {%- if node is none -%}
        {{ return(api.Relation.create(identifier='change_log')) }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=node.database, schema=node.schema,
        identifier=node.alias, type='table')) }}
{%- endmacro %}


{#- The visitors with change-log rows written after `processed_through`:
    the visitors an incremental build of a visitor-level model recomputes
    from all their rows. -#}
{% macro changed_visitors_sql(processed_through) -%}
    select distinct visitor_id
    from {{ change_log_relation() }}
    where
        visitor_id is not null
        {%- if processed_through is not none %}
        and processed_at > cast('{{ processed_through }}' as timestamp)
        {%- endif %}
{%- endmacro %}


{#- The newest processed_at of the change log: the watermark a build of a
    visitor-level model records. -#}
{% macro change_log_watermark() -%}
    {%- set found = run_query(
        'select max(processed_at) from ' ~ change_log_relation()) -%}
    {{ return(found.columns[0].values()[0]) }}
{%- endmacro %}


{#- The relations of this model's visitor-level inputs (its direct
    visitor_incremental parents), as the compiled SQL names them. -#}
{% macro visitor_level_inputs() -%}
    {%- set inputs = [] -%}
    {%- for unique_id in model.depends_on.nodes -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- if node is not none and node.resource_type == 'model'
            and node.config.materialized == 'visitor_incremental' -%}
            {%- do inputs.append(api.Relation.create(
                database=node.database, schema=node.schema,
                identifier=node.alias, type='table')) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(inputs) }}
{%- endmacro %}


{#- `sql` with every visitor-level input read as the rows of the changed
    visitors only. A visitor-level model's rows of a visitor depend only on
    that visitor's input rows (and the definitions), so this computes
    exactly the changed visitors' rows. An input the SQL does not name as
    expected stops the build: unfiltered, it would duplicate rows. -#}
{% macro filter_visitor_inputs(sql, changed_visitors) -%}
    {%- set filtered = [sql] -%}
    {%- for relation in visitor_level_inputs() -%}
        {%- set name = relation | string -%}
        {%- set pattern = modules.re.escape(name) ~ '(?![A-Za-z0-9_])' -%}
        {%- if not modules.re.search(pattern, filtered[0]) -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ ": cannot find its input " ~ name
                ~ " in the compiled SQL to read only the changed visitors") }}
        {%- endif -%}
        {%- set replacement = '(select * from ' ~ name ~ ' where visitor_id in'
            ~ ' (select visitor_id from ' ~ changed_visitors ~ '))' -%}
        {%- do filtered.append(modules.re.sub(
            pattern, replacement | replace('\\', '\\\\'), filtered.pop())) -%}
    {%- endfor -%}
    {{ return(filtered[0]) }}
{%- endmacro %}


{#- The model's rows as written: the change log gains processed_at (this
    build's start), and the engine may add its own columns (Spark: the
    visitor bucket, see visitor_bucket_expression). -#}
{% macro visitor_model_rows_sql(sql) -%}
    {%- set extra = [] -%}
    {%- if config.get('unique_key') -%}
        {%- do extra.append(run_timestamp() ~ ' as processed_at') -%}
    {%- endif -%}
    {%- set bucket = visitor_bucket_expression('model_rows.visitor_id') -%}
    {%- if bucket -%}
        {%- do extra.append(bucket ~ ' as visitor_bucket') -%}
    {%- endif -%}
    {%- if extra | length == 0 -%}
        {{ return(sql) }}
    {%- endif -%}
    {{ return('select model_rows.*, ' ~ extra | join(', ')
        ~ ' from (\n' ~ sql ~ '\n) as model_rows') }}
{%- endmacro %}


{#- Spark partitions visitor-level tables by a hash bucket of visitor_id;
    DuckDB deletes rows and needs none. -#}
{% macro visitor_bucket_expression(visitor_expr) -%}
    {{ return(adapter.dispatch('visitor_bucket_expression', 'conversions')(visitor_expr)) }}
{%- endmacro %}

{% macro default__visitor_bucket_expression(visitor_expr) -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__visitor_bucket_expression(visitor_expr) -%}
    {{ return('pmod(xxhash64(' ~ visitor_expr ~ '), '
        ~ (var('spark_visitor_buckets', 32) | int) ~ ')') }}
{%- endmacro %}
