"""course_pkg.models"""
