SELECT city_id, country FROM city
