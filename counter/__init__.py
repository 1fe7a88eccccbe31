"""The clerk's counter screen."""
