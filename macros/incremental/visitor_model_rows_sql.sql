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
