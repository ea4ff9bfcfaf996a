"""course_pkg.recipes"""
