{#- The value of the var `name` (read by the model itself, so that a change
    of it rebuilds the model) as an integer >= minimum; anything else stops
    the build with a message naming the var and the value. -#}
{% macro whole_number_var(name, value, minimum=0) -%}
    {%- if value is not number
        or value is sameas true
        or value is sameas false
        or value != (value | int)
        or value < minimum %}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a whole number >= " ~ minimum
            ~ ", got " ~ value) }}
    {%- endif %}
    {{- return(value | int) -}}
{%- endmacro %}
